import pg from 'pg'
import { postgresUrl, runScopedName } from '../../../../test-support/databases.js'

export interface ScratchDatabase {
  /** DATABASE_URL for the app. */
  url: string
  /** Queries it from the test (a small pool of its own). */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>
  drop(): Promise<void>
}

async function asAdmin(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  try {
    await admin.query(statement)
  } finally {
    await admin.end()
  }
}

/** A database of its own for one test run on the test server, dropped by `drop()`. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = runScopedName(prefix)
  await asAdmin(`CREATE DATABASE ${name}`)
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 })
  return {
    url: url.toString(),
    query: async (text, params) => (await pool.query(text, params)).rows,
    async drop() {
      await pool.end()
      // FORCE: the app's own connections may still be closing.
      await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    },
  }
}
