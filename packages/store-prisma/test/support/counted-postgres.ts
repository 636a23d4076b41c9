import pg from 'pg'
import { postgresDatabase, type TestDatabase } from './connections.js'

/**
 * A Postgres test database whose pg.Pool (the one handed to PrismaPg) records the text of every
 * query a pooled client sends, BEGIN and COMMIT included, in a session whose time zone is not UTC
 * (a zone-less timestamp would land hours off there). It holds the app's tables the Prisma
 * statement tests write: `staff` (an enum role, `timestamp(3)` columns, a UNIQUE email) and
 * `badges` (a model the one-statement path refuses).
 */
export async function countedPostgres(sent: string[]): Promise<TestDatabase> {
  const database = await postgresDatabase({
    pool: (config) => {
      const pool = new pg.Pool({ ...config, options: '-c TimeZone=America/New_York' })
      pool.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => unknown
        ;(client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
          sent.push(typeof config === 'string' ? config : (config as { text: string }).text)
          return query(config, ...rest)
        }
      })
      return pool
    },
  })
  await database.raw.query(`CREATE TYPE "StaffRole" AS ENUM ('admin', 'member')`)
  await database.raw.query(
    `CREATE TABLE staff (id text PRIMARY KEY, email text UNIQUE, role "StaffRole" NOT NULL DEFAULT 'member',
        created_at timestamp(3) NOT NULL, updated_at timestamp(3) NOT NULL)`,
  )
  await database.raw.query(
    `CREATE TABLE badges (id text PRIMARY KEY, email text, role text NOT NULL, token text NOT NULL,
        touched_at timestamp(3) NOT NULL)`,
  )
  return database
}

/** The statements `run` sent, whitespace folded. */
export async function statementsSent(
  sent: string[],
  run: () => Promise<unknown>,
): Promise<string[]> {
  sent.length = 0
  await run()
  return sent.map((text) => text.replace(/\s+/g, ' ').trim())
}
