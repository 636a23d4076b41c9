import type { AnyDatabase } from './dialect.js'
import { isSyncSqlite } from './dialect.js'
import { type Flow, runFlowAsync, runFlowSync } from './flow.js'
import type { Dialect } from './migrations/migration.js'
import { isRetryable } from './store-errors.js'

export type Transactor = <T>(flow: (tx: unknown) => Flow<T>) => Promise<T>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * SQLite runs one writer at a time. Async drivers (libSQL) open a connection per transaction, so
 * concurrent writes from one process would meet as SQLITE_BUSY or run out of connections; queue
 * them here instead, one chain per database.
 */
const sqliteWriteQueues = new WeakMap<object, Promise<unknown>>()

function queued<T>(db: object, run: () => Promise<T>): Promise<T> {
  const previous = sqliteWriteQueues.get(db) ?? Promise.resolve()
  const next = previous.then(run, run)
  sqliteWriteQueues.set(
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
export function createTransactor(
  db: AnyDatabase,
  dialect: Dialect,
  maxAttempts: number,
): Transactor {
  // biome-ignore lint/suspicious/noExplicitAny: `transaction` differs in type across dialects, not in use.
  const database = db as any
  const once = <T>(flow: (tx: unknown) => Flow<T>): Promise<T> | T => {
    if (dialect === 'sqlite' && isSyncSqlite(db)) {
      return database.transaction((tx: unknown) => runFlowSync(flow(tx)), { behavior: 'immediate' })
    }
    if (dialect === 'sqlite') {
      return queued(db, () =>
        database.transaction((tx: unknown) => runFlowAsync(flow(tx)), { behavior: 'immediate' }),
      )
    }
    return database.transaction((tx: unknown) => runFlowAsync(flow(tx)))
  }
  return async (flow) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(flow)
      } catch (error) {
        if (attempt >= maxAttempts || !isRetryable(error)) throw error
        await sleep(Math.random() * 20 * 2 ** attempt)
      }
    }
  }
}
