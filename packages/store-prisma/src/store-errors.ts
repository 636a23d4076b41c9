import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'
import { notNullConflictHint, UNIQUE_CONFLICT_HINT } from '@clerk-sync/core/store-kit'
import { migrationPaths, SHIPPED_MIGRATIONS } from './migrations.js'
import type { Provider } from './prisma-like.js'

interface PrismaError {
  code?: string
  message?: string
  meta?: {
    code?: string
    target?: unknown
    modelName?: string
    column?: string
    driverAdapterError?: {
      cause?: {
        kind?: string
        originalCode?: string
        table?: string
        column?: string
        constraint?: { fields?: string[]; index?: string }
      }
    }
  }
}

/** The database's own error code as the driver adapter reports it (`1062`, `23505`, …). */
function databaseCode(e: PrismaError & { errno?: unknown }): string | undefined {
  const code = e?.meta?.driverAdapterError?.cause?.originalCode ?? e?.meta?.code
  if (code !== undefined) return String(code)
  return typeof e?.errno === 'number' ? String(e.errno) : undefined
}

const duplicateKeyCodes = new Set([
  '1062', // MySQL/MariaDB ER_DUP_ENTRY
  '23505', // Postgres unique_violation
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'SQLITE_CONSTRAINT_UNIQUE',
])

/**
 * A unique-key violation, judged by structured fields only (Prisma's code, the adapter's kind, the
 * database's code): never by the message, which can hold any value, e.g. an id containing 1062.
 */
export function isDuplicateKey(error: unknown): boolean {
  const e = error as PrismaError
  if (e?.code === 'P2002') return true
  if (e?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation') return true
  const code = databaseCode(e)
  return code !== undefined && duplicateKeyCodes.has(code)
}

/** The table a "does not exist" error names, or null for any other error. */
export function missingTable(error: unknown): string | null {
  const e = error as PrismaError
  const cause = e?.meta?.driverAdapterError?.cause
  if (cause?.kind === 'TableDoesNotExist' || e?.code === 'P2021')
    return cause?.table ?? e?.meta?.modelName ?? 'a table'
  return null
}

/** A missing table as one typed error that names the fix: clerk-sync's migrations, or the app's. */
export function notMigrated(table: string, provider: Provider, cause?: unknown): ClerkSyncError {
  const bare = table.split('.').at(-1) ?? table
  const all = SHIPPED_MIGRATIONS[provider]
  const fix = bare.startsWith('clerk_sync_')
    ? `apply @clerk-sync/prisma's ${all.length > 1 ? 'migrations' : 'migration'} (${migrationPaths(provider, all)}: copy ${all.length > 1 ? 'the folders' : 'it'} into prisma/migrations/ and run prisma migrate deploy, or run the SQL yourself) to this database`
    : "create your model's table (your own migration) in this database"
  return new ClerkSyncError(
    ErrorCode.STORE_NOT_MIGRATED,
    `Table ${bare} does not exist in the database the store was given: ${fix}.`,
    { cause },
  )
}

/**
 * The column a "no such column" error names, or null for any other error: the adapter's kind, the
 * database's code or Prisma's P2022, and the column from the adapter's own field (structured
 * fields only).
 */
export function missingColumn(error: unknown): string | null {
  const e = error as PrismaError
  const cause = e?.meta?.driverAdapterError?.cause
  const code = databaseCode(e)
  if (
    cause?.kind === 'ColumnNotFound' ||
    e?.code === 'P2022' ||
    code === '42703' || // Postgres undefined_column
    code === '1054' // MySQL/MariaDB ER_BAD_FIELD_ERROR
  )
    return cause?.column ?? e?.meta?.column ?? 'a column'
  return null
}

/**
 * A missing table or column as the typed error naming the fix, or null for any other error. A
 * missing column means the database is behind the installed store (an upgrade brought a migration
 * that has not run) or the app's table lacks a column its model declares.
 */
export function schemaGap(error: unknown, provider: Provider): ClerkSyncError | null {
  const table = missingTable(error)
  if (table) return notMigrated(table, provider, error)
  const column = missingColumn(error)
  if (!column) return null
  const later = SHIPPED_MIGRATIONS[provider].slice(1)
  const ours = later.length
    ? `the database is behind this version of @clerk-sync/prisma. Apply its newer ${later.length > 1 ? 'migrations' : 'migration'} (${migrationPaths(provider, later)}: copy ${later.length > 1 ? 'the folders' : 'the folder'} into prisma/migrations/ and run prisma migrate deploy, or run the SQL yourself) and take the ClerkSync* models from its prisma/${provider}.prisma again; `
    : ''
  return new ClerkSyncError(
    ErrorCode.STORE_NOT_MIGRATED,
    `Column ${column} does not exist in the database the store was given: ${ours}if the column is one of your own model's, add it with your own migration.`,
    { cause: error },
  )
}

/** Lost a race the database settled by aborting us: run the transaction again. */
export function isRetryable(error: unknown): boolean {
  const e = error as PrismaError & {
    meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } }
  }
  if (e?.code === 'P2034') return true
  const cause = e?.meta?.driverAdapterError?.cause as
    | { kind?: string; originalCode?: string }
    | undefined
  if (cause?.kind === 'TransactionWriteConflict') return true
  const dbCode = cause?.originalCode ?? e?.meta?.code
  if (dbCode && ['40001', '40P01', '1213', '1205', 'SQLITE_BUSY'].includes(String(dbCode)))
    return true
  // Words only: a numeric match could hit a value (an email like bob.1213@…) in the message.
  return /deadlock detected|could not serialize access|Deadlock found|Lock wait timeout exceeded|database is locked/.test(
    String(e?.message ?? ''),
  )
}

const hints = {
  unique: UNIQUE_CONFLICT_HINT,
  notNull: notNullConflictHint('Make the field optional'),
}

/**
 * Constraint violations of the app's model become `STORE_CONFLICT` naming the fields (never the
 * values, which may be emails); anything else keeps Prisma's first message line and code.
 */
export function translateWriteError(
  error: unknown,
  userIds: string[],
  provider: Provider,
): unknown {
  if (error instanceof ClerkSyncError) return error
  const gap = schemaGap(error, provider)
  if (gap) return gap
  const e = error as PrismaError
  const who = userIds.length === 1 ? `User ${userIds[0]}` : `A batch of ${userIds.length} users`
  const adapterCause = e?.meta?.driverAdapterError?.cause
  if (e?.code === 'P2002' || adapterCause?.kind === 'UniqueConstraintViolation') {
    const fields =
      adapterCause?.constraint?.fields ??
      (Array.isArray(e.meta?.target) ? (e.meta?.target as string[]) : [])
    const target = fields.length
      ? fields.map((f) => `"${f}"`).join(', ')
      : (adapterCause?.constraint?.index ?? 'a unique key')
    return new ClerkSyncError(
      ErrorCode.STORE_CONFLICT,
      `${who} cannot be written: UNIQUE ${target} — ${hints.unique}`,
      { cause: error },
    )
  }
  if (e?.code === 'P2011' || adapterCause?.kind === 'NullConstraintViolation') {
    return new ClerkSyncError(
      ErrorCode.STORE_CONFLICT,
      `${who} cannot be written: NOT NULL — ${hints.notNull}`,
      { cause: error },
    )
  }
  const first =
    (e?.message ?? String(error)).trim().split('\n').filter(Boolean).at(-1) ?? 'unknown error'
  return new Error(`${first}${e?.code ? ` (${e.code})` : ''}`, { cause: error })
}
