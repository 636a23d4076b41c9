import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { PrismaPg } from '@prisma/adapter-pg'
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { mysqlUrl, postgresUrl, runScopedName } from '../../../../test-support/databases.js'
import {
  type FaultInjector,
  mysqlFaults,
  pgFaults,
  sqliteFaults,
} from '../../../../test-support/faults.js'
import { pgPlaceholders, type RawDatabase } from '../../../../test-support/raw-database.js'
import { appDdl } from '../../../../test-support/seed-app.js'
import { PrismaClient as MysqlClient } from '../generated/mysql/client/client.js'
import { PrismaClient as PostgresClient } from '../generated/postgresql/client/client.js'
import { PrismaClient as SqliteClient } from '../generated/sqlite/client/client.js'
import { leftAtDdl, sqliteAppDdl } from './app-models.js'

export type AnyPrismaClient = PostgresClient | MysqlClient | SqliteClient

export interface TestDatabase {
  prisma: AnyPrismaClient
  /** What prismaStore needs to know about this connection (the Postgres schema). */
  storeOptions: { schema?: string }
  raw: RawDatabase
  faults: FaultInjector
  close(): Promise<void>
}

const faultTables = [
  { table: 'clerk_sync_users', id: 'id' },
  { table: 'members', id: 'member_id' },
  { table: 'users', id: 'id' },
]

type ProviderName = 'postgresql' | 'mysql' | 'sqlite'

const migrationsDir = (provider: ProviderName) =>
  join(import.meta.dirname, '..', '..', 'migrations', provider)

/** The shipped migration folders of a provider, oldest first (as `prisma migrate deploy` runs them). */
export function shippedMigrations(provider: ProviderName): string[] {
  return readdirSync(migrationsDir(provider), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
}

/** The statements of one shipped migration. */
export const migrationStatements = (provider: ProviderName, name: string) =>
  readFileSync(join(migrationsDir(provider), name, 'migration.sql'), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean)

/** Every shipped migration's statements, in order. */
const migration = (provider: ProviderName) =>
  shippedMigrations(provider).flatMap((name) => migrationStatements(provider, name))

/**
 * Applies the shipped migrations only (no app tables), as a user would before starting; `upTo`
 * stops after that one, leaving the database as an older release left it.
 */
export async function applyShippedMigration(
  raw: RawDatabase,
  provider: ProviderName,
  upTo?: string,
): Promise<void> {
  for (const name of shippedMigrations(provider)) {
    for (const statement of migrationStatements(provider, name)) await raw.query(statement)
    if (name === upTo) return
  }
}

/** Applies the shipped migration and the seed app's tables, as a user would before starting. */
async function prepare(raw: RawDatabase, provider: ProviderName, faults: FaultInjector) {
  for (const statement of migration(provider)) await raw.query(statement)
  const app =
    provider === 'postgresql' ? appDdl.pg : provider === 'mysql' ? appDdl.mysql : sqliteAppDdl
  for (const statement of app) await raw.query(statement)
  // Member's leftAt (user.fields.deletedAt in the onDelete 'soft' tests).
  await raw.query(leftAtDdl[provider])
  await faults.install(faultTables)
}

/**
 * A fresh schema for this run, through @prisma/adapter-pg. `migrate: false`: an empty database,
 * as an app that never applied the migration has. `pool`: makes the pg.Pool the adapter gets from
 * this config (to count the statements Prisma sends, say); closed with the database.
 */
export async function postgresDatabase({
  migrate = true,
  pool: makePool,
}: {
  migrate?: boolean
  pool?: (config: pg.PoolConfig) => pg.Pool
} = {}): Promise<TestDatabase> {
  const schema = runScopedName('clerk_sync_prisma')
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const rawPool = new pg.Pool({
    connectionString: postgresUrl,
    options: `-c search_path=${schema}`,
    max: 4,
  })
  const raw: RawDatabase = {
    dialect: 'pg',
    query: async (text, params) => (await rawPool.query(pgPlaceholders(text), params)).rows,
  }
  const faults = pgFaults(raw)
  if (migrate) await prepare(raw, 'postgresql', faults)
  // Only PrismaPg's own `schema` option, no search_path: as an app configures it.
  const appPool = makePool?.({ connectionString: postgresUrl, max: 20 })
  const adapter = new PrismaPg(appPool ?? { connectionString: postgresUrl, max: 20 }, { schema })
  const prisma = new PostgresClient({ adapter })
  return {
    prisma,
    storeOptions: { schema },
    raw,
    faults,
    async close() {
      await prisma.$disconnect()
      await appPool?.end()
      await rawPool.end()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    },
  }
}

/** A fresh database for this run, through @prisma/adapter-mariadb. */
export async function mariadbDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const name = runScopedName('clerk_sync_prisma')
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const rawPool = mysql.createPool({
    uri: mysqlUrl,
    database: name,
    connectionLimit: 4,
    timezone: 'Z',
  })
  const raw: RawDatabase = {
    dialect: 'mysql',
    query: async (text, params) =>
      (await rawPool.query(text, params))[0] as Record<string, unknown>[],
  }
  const faults = mysqlFaults(raw)
  if (migrate) await prepare(raw, 'mysql', faults)
  const url = new URL(mysqlUrl)
  const adapter = new PrismaMariaDb({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: name,
    connectionLimit: 20,
  })
  const prisma = new MysqlClient({ adapter })
  return {
    prisma,
    storeOptions: {},
    raw,
    faults,
    async close() {
      await prisma.$disconnect()
      await rawPool.end()
      await admin.query(`DROP DATABASE ${name}`)
      await admin.end()
    },
  }
}

/**
 * SQLite on a file, through @prisma/adapter-better-sqlite3. The adapter's own connection gets the
 * fault function (a trigger calls back into JS on the connection that runs it), so the factory
 * hands Prisma that very adapter.
 */
export async function sqliteDatabase({ migrate = true } = {}): Promise<TestDatabase> {
  const file = join(mkdtempSync(join(tmpdir(), 'clerk-sync-prisma-')), 'test.db')
  const factory = new PrismaBetterSqlite3({ url: `file:${file}` })
  const adapter = await factory.connect()
  const connection = (adapter as unknown as { client: Database.Database }).client
  connection.pragma('journal_mode = WAL')
  connection.pragma('foreign_keys = ON')
  const rawClient = new Database(file)
  const raw: RawDatabase = {
    dialect: 'sqlite',
    query: async (text, params = []) => {
      const statement = rawClient.prepare(text)
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[]
      statement.run(...params)
      return []
    },
  }
  const faults = sqliteFaults(connection, [rawClient])
  if (migrate) {
    for (const statement of migration('sqlite')) await raw.query(statement)
    for (const statement of sqliteAppDdl) await raw.query(statement)
    await raw.query(leftAtDdl.sqlite)
    await faults.install(faultTables)
  }
  const prisma = new SqliteClient({
    adapter: {
      provider: 'sqlite',
      adapterName: factory.adapterName,
      connect: async () => adapter,
    } as never,
  })
  return {
    prisma,
    storeOptions: {},
    raw,
    faults,
    async close() {
      await prisma.$disconnect()
      rawClient.close()
    },
  }
}
