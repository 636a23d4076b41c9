// Applies prisma/migrations/*/migration.sql to DATABASE_URL, oldest first, each in a transaction
// with a row in `app_migrations` (name, checksum), so running it again applies only what is new.
// Concurrent runs queue on an advisory lock. Run once per deploy: `pnpm db:migrate`.
//
// This stands in for `prisma migrate deploy`, which needs Prisma's schema engine (a download).
// Where you can run it, you may switch: mark these folders applied with
// `prisma migrate resolve --applied <folder>` first, since the tables already exist.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const migrationsDir = fileURLToPath(new URL('../prisma/migrations', import.meta.url))
// Any constant: what matters is that every run of this script takes the same one.
const MIGRATION_LOCK = 7_301_442

function shippedMigrations() {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

// The files `next dev` / `next start` read, in their order; a variable already set wins.
for (const file of ['.env.local', '.env']) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url))
  if (existsSync(path)) process.loadEnvFile(path)
}
const url = process.env.DATABASE_URL
if (!url) {
  console.error('DATABASE_URL is not set (postgres://user:password@host:5432/database)')
  process.exit(1)
}

async function migrate(client) {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
  await client.query(`CREATE TABLE IF NOT EXISTS app_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
  const { rows } = await client.query('SELECT name, checksum FROM app_migrations')
  const applied = new Map(rows.map((row) => [row.name, row.checksum]))
  for (const migration of shippedMigrations()) {
    const checksum = applied.get(migration.name)
    if (checksum === migration.checksum) continue
    if (checksum !== undefined) {
      throw new Error(
        `prisma/migrations/${migration.name}/migration.sql changed after it was applied: add a new migration folder instead of editing one`,
      )
    }
    await client.query('BEGIN')
    try {
      await client.query(migration.sql)
      await client.query('INSERT INTO app_migrations (name, checksum) VALUES ($1, $2)', [
        migration.name,
        migration.checksum,
      ])
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK')
      throw new Error(`${migration.name} failed: ${error.message}`, { cause: error })
    }
    console.log(`applied ${migration.name}`)
  }
  console.log('database schema up to date')
}

const client = new pg.Client({ connectionString: url })
try {
  await client.connect()
  await migrate(client)
} catch (error) {
  console.error(`Migration failed: ${error.message}`)
  process.exitCode = 1
} finally {
  await client.end()
}
