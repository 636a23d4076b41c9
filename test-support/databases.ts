/**
 * Database servers for tests: where they are, whether they answer, and what to do when they don't.
 * On a laptop without one, its tests are skipped with a visible notice; under CI=true they fail.
 */
import pg from 'pg'

export const postgresUrl =
  process.env.CLERK_SYNC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const mysqlUrl = process.env.CLERK_SYNC_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'

async function reachable(name: string, probe: () => Promise<unknown>): Promise<string | false> {
  try {
    await probe()
    return false
  } catch (error) {
    const reason = `${name} is not reachable (${error instanceof Error ? error.message : String(error)})`
    if (process.env.CI) throw new Error(`${reason}; database tests must run under CI=true`)
    console.warn(`\n[clerk-sync tests] SKIPPING ${name} tests: ${reason}\n`)
    return reason
  }
}

/** False when Postgres answers; otherwise the reason its tests are skipped (throws under CI). */
export function postgresUnavailable(): Promise<string | false> {
  return reachable(`PostgreSQL at ${postgresUrl}`, async () => {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 })
    await client.connect()
    await client.end()
  })
}

export function mysqlUnavailable(): Promise<string | false> {
  return reachable(`MySQL/MariaDB at ${mysqlUrl}`, async () => {
    const mysql = await import('mysql2/promise')
    const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 })
    await connection.end()
  })
}

/** A name no other test run uses: each run gets its own schema or database. */
export function runScopedName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
}
