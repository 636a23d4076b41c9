import { type Flow, runFlowAsync, runFlowSync, withRetries } from '@clerk-sync/core/store-kit'
import type { AnyDatabase } from './dialect.js'
import { isSyncSqlite } from './dialect.js'
import type { Dialect } from './migrations/migration.js'
import { isRetryable } from './store-errors.js'

/**
 * Whether Drizzle runs each transaction on a connection of its own. On a single client
 * (`new pg.Client()`, `mysql.createConnection()`) every transaction shares one session, so two
 * concurrent writes would interleave inside one transaction: those writes are queued instead.
 */
function hasConnectionPool(db: AnyDatabase): boolean {
  const client = (db as { $client?: Record<string, unknown> }).$client
  if (!client) return false
  if (typeof client.totalCount === 'number') return true // pg.Pool
  if (typeof client.getConnection === 'function') return true // mysql2 Pool
  if (typeof client === 'function' && typeof (client as { begin?: unknown }).begin === 'function')
    return true // postgres-js
  return false
}

/** Runs a flow in a transaction; `Tx` is the dialect's transaction, as its write ops take it. */
export type Transactor<Tx> = <T>(flow: (tx: Tx) => Flow<T>) => Promise<T>

/**
 * Writes queued in process, one chain per database: for SQLite, which runs one writer at a time
 * (async drivers such as libSQL open a connection per transaction and would meet as SQLITE_BUSY),
 * and for single-connection clients (see hasConnectionPool).
 */
const writeQueues = new WeakMap<object, Promise<unknown>>()

function queued<T>(db: object, run: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(db) ?? Promise.resolve()
  const next = previous.then(run, run)
  writeQueues.set(
    db,
    next.catch(() => {}),
  )
  return next
}

/**
 * Runs a flow in one transaction of the app's database, again when the database aborted it to
 * resolve a deadlock or serialization failure (bounded, with jittered back-off), so such races
 * never reach Svix as a 500. SQLite transactions start IMMEDIATE: the write lock is taken up front.
 */
export function createTransactor<Tx>(
  db: AnyDatabase,
  dialect: Dialect,
  maxAttempts: number,
): Transactor<Tx> {
  // biome-ignore lint/suspicious/noExplicitAny: `transaction` differs in type across dialects, not in use.
  const database = db as any
  const pooled = hasConnectionPool(db)
  const once = <T>(flow: (tx: Tx) => Flow<T>): Promise<T> | T => {
    if (dialect === 'sqlite' && isSyncSqlite(db)) {
      return database.transaction((tx: Tx) => runFlowSync(flow(tx)), { behavior: 'immediate' })
    }
    if (dialect === 'sqlite') {
      return queued(db, () =>
        database.transaction((tx: Tx) => runFlowAsync(flow(tx)), { behavior: 'immediate' }),
      )
    }
    // READ COMMITTED on MySQL too: after waiting on a user's state row, reads see what the
    // transaction waited on committed, and no gap locks on ids not written yet (deadlocks).
    const config = dialect === 'mysql' ? { isolationLevel: 'read committed' } : undefined
    const run = () => database.transaction((tx: Tx) => runFlowAsync(flow(tx)), config)
    return pooled ? run() : queued(db, run)
  }
  return (flow) => withRetries(maxAttempts, isRetryable, () => once(flow))
}

/**
 * Postgres writes that are one statement (no transaction of their own) or an async transaction,
 * with the same retries, and queued like transactions on a single-connection client: a statement
 * sent while another write's transaction is open on that connection would join it.
 */
export interface PgRunner<Db> {
  statement<T>(run: (db: Db) => Promise<T>): Promise<T>
  transaction<T>(run: (tx: Db) => Promise<T>): Promise<T>
}

/** `Db` is what the writes take: the database, or a transaction of it. */
export function createPgRunner<Db>(db: AnyDatabase, maxAttempts: number): PgRunner<Db> {
  // biome-ignore lint/suspicious/noExplicitAny: a Postgres database of any driver.
  const database = db as any
  const pooled = hasConnectionPool(db)
  const serial = <T>(run: () => Promise<T>) => (pooled ? run() : queued(db, run))
  return {
    statement: (run) => withRetries(maxAttempts, isRetryable, () => serial(() => run(database))),
    transaction: (run) =>
      withRetries(maxAttempts, isRetryable, () =>
        serial(() => database.transaction(run) as Promise<never>),
      ),
  }
}
