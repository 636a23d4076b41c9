import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'
import { is } from 'drizzle-orm'
import { MySqlDatabase } from 'drizzle-orm/mysql-core'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type { Dialect } from './migrations/migration.js'

// biome-ignore lint/suspicious/noExplicitAny: any driver's database: the store works with all of them.
type Any = any

export type AnyDatabase =
  | PgDatabase<Any, Any, Any>
  | MySqlDatabase<Any, Any, Any, Any>
  | BaseSQLiteDatabase<Any, Any, Any, Any>

/** Uses Drizzle's own `is()` checks, which survive duplicate copies of drizzle-orm. */
export function detectDialect(db: unknown): Dialect {
  if (is(db, PgDatabase)) return 'pg'
  if (is(db, MySqlDatabase)) return 'mysql'
  if (is(db, BaseSQLiteDatabase)) return 'sqlite'
  throw new ClerkSyncError(
    ErrorCode.CONFIG_INVALID,
    'drizzleStore: `db` is not a Drizzle database (expected what drizzle() returns for Postgres, MySQL or SQLite).',
  )
}

/** better-sqlite3 (and bun:sqlite) run queries synchronously; their transactions must be sync too. */
export function isSyncSqlite(db: AnyDatabase): boolean {
  return (db as { resultKind?: string }).resultKind === 'sync'
}
