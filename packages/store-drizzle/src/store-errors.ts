import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'
import { notNullConflictHint, UNIQUE_CONFLICT_HINT } from '@clerk-sync/core/store-kit'

interface DriverError {
  code?: string | number
  errno?: number
  message?: string
  constraint?: string
  column?: string
  detail?: string
}

/** The driver's own error under Drizzle's `DrizzleQueryError` (whose message lists the params). */
export function driverError(error: unknown): DriverError {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as DriverError & { cause?: unknown }
    if (e.code !== undefined || e.errno !== undefined) return e
    current = e.cause
  }
  return (error ?? {}) as DriverError
}

/** Lost a race the database resolved by aborting us: run the transaction again. */
export function isRetryable(error: unknown): boolean {
  const e = driverError(error)
  return (
    e.code === '40001' || // serialization_failure
    e.code === '40P01' || // deadlock_detected
    e.errno === 1213 || // ER_LOCK_DEADLOCK
    e.errno === 1205 || // ER_LOCK_WAIT_TIMEOUT
    e.code === 'SQLITE_BUSY' ||
    e.code === 'SQLITE_BUSY_SNAPSHOT'
  )
}

export function isDuplicateKey(error: unknown): boolean {
  const e = driverError(error)
  return (
    e.errno === 1062 ||
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE'
  )
}

const hints = {
  unique: UNIQUE_CONFLICT_HINT,
  notNull: notNullConflictHint('Make the column nullable'),
}

/** A NOT NULL column the user leaves empty, found before writing. */
export function notNullConflict(table: string, columns: string[], userId: string): ClerkSyncError {
  return new ClerkSyncError(
    ErrorCode.STORE_CONFLICT,
    `User ${userId} cannot be written to "${table}": NOT NULL column ${columns.map((c) => `"${c}"`).join(', ')} — ${hints.notNull}`,
  )
}

function constraintOf(e: DriverError): { kind: 'unique' | 'notNull'; target: string } | null {
  const message = e.message ?? ''
  if (e.code === '23505') return { kind: 'unique', target: e.constraint ?? 'a unique key' }
  if (e.code === '23502') return { kind: 'notNull', target: e.column ?? 'a column' }
  if (e.errno === 1062)
    return { kind: 'unique', target: /for key '([^']+)'/.exec(message)?.[1] ?? 'a unique key' }
  if (e.errno === 1048)
    return { kind: 'notNull', target: /Column '([^']+)'/.exec(message)?.[1] ?? 'a column' }
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE')
    return { kind: 'unique', target: /failed: (.+)$/.exec(message)?.[1] ?? 'a unique key' }
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL')
    return { kind: 'notNull', target: /failed: (.+)$/.exec(message)?.[1] ?? 'a column' }
  return null
}

/** The table a "no such table" error names, or null for any other error. */
export function missingTable(error: unknown): string | null {
  const e = driverError(error)
  const message = e.message ?? ''
  if (e.code === '42P01') return /relation "([^"]+)"/.exec(message)?.[1] ?? 'a table'
  if (e.errno === 1146) return /Table '([^']+)'/.exec(message)?.[1] ?? 'a table'
  // SQLite has no code of its own for it: SQLITE_ERROR with this text (better-sqlite3, libSQL).
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_ERROR'))
    return /no such table: (\S+)/.exec(message)?.[1] ?? null
  return null
}

/** A missing table as one typed error that names the fix: clerk-sync's migration, or the app's. */
export function notMigrated(table: string, cause?: unknown): ClerkSyncError {
  const bare = table.split('.').at(-1) ?? table
  const fix = bare.startsWith('clerk_sync_')
    ? 'run applyMigrations(db) from @clerk-sync/drizzle at start-up, or apply the SQL in its migrations/ folder to this database'
    : 'create the users table you passed as `users.table` (your own migration) in this database'
  return new ClerkSyncError(
    ErrorCode.STORE_NOT_MIGRATED,
    `Table ${bare} does not exist in the database the store was given: ${fix}.`,
    { cause },
  )
}

/** The column a "no such column" error names, or null for any other error. */
export function missingColumn(error: unknown): string | null {
  const e = driverError(error)
  const message = e.message ?? ''
  if (e.code === '42703') return /column "?([^"\s]+)"? /.exec(message)?.[1] ?? 'a column'
  if (e.errno === 1054) return /Unknown column '([^']+)'/.exec(message)?.[1] ?? 'a column'
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_ERROR'))
    return /no such column: (\S+)/.exec(message)?.[1] ?? null
  return null
}

/**
 * A missing table or column as the typed error naming the fix, or null for any other error. A
 * missing column of clerk-sync's tables means the database is behind the installed store: an
 * upgrade brought a migration that has not run.
 */
export function schemaGap(error: unknown): ClerkSyncError | null {
  const table = missingTable(error)
  if (table) return notMigrated(table, error)
  const column = missingColumn(error)
  if (!column) return null
  return new ClerkSyncError(
    ErrorCode.STORE_NOT_MIGRATED,
    `Column ${column} does not exist in the database the store was given: the database is behind this version of @clerk-sync/drizzle. Run applyMigrations(db) at start-up, or apply the newer SQL files in its migrations/ folder; if the column is one of your own users table's, add it with your own migration.`,
    { cause: error },
  )
}

/**
 * A write's failure as clerk-sync reports it: constraint violations of the app's table become
 * `STORE_CONFLICT` naming the constraint (never the value: it may be an email); anything else is
 * rethrown with the driver's first message line, since Drizzle's own lists every parameter.
 */
export function translateWriteError(error: unknown, userIds: string[]): unknown {
  if (error instanceof ClerkSyncError) return error
  const gap = schemaGap(error)
  if (gap) return gap
  const e = driverError(error)
  const conflict = constraintOf(e)
  const who = userIds.length === 1 ? `User ${userIds[0]}` : `A batch of ${userIds.length} users`
  if (conflict) {
    return new ClerkSyncError(
      ErrorCode.STORE_CONFLICT,
      `${who} cannot be written: ${conflict.kind === 'unique' ? 'UNIQUE' : 'NOT NULL'} ${conflict.target} — ${hints[conflict.kind]}`,
      { cause: error },
    )
  }
  const code = e.code ?? e.errno
  const message = (e.message ?? String(error)).split('\n')[0]
  const wrapped = new Error(`${message}${code !== undefined ? ` (${code})` : ''}`, { cause: error })
  return wrapped
}
