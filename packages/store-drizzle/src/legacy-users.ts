import { ClerkSyncError, ErrorCode, type LegacyUser, type LegacyUserSource } from '@clerk-sync/core'
import { isEmailVerified } from '@clerk-sync/core/store-kit'
import {
  and,
  asc,
  type Column,
  eq,
  getTableColumns,
  getTableName,
  gt,
  isNull,
  type SQL,
  type Table,
} from 'drizzle-orm'
import { type AnyDatabase, detectDialect } from './dialect.js'

/** Columns of the app's own users table that the import reads, and the one it writes (`clerkId`). */
export interface LegacyUsersColumns {
  /** The app's own id: unique, the order of the scan, and Clerk's `external_id`. */
  appId: Column
  /** Nullable: rows where it is null have no Clerk account yet; `link` fills it in. */
  clerkId: Column
  email: Column
  /**
   * A boolean (or 0/1, 0n/1n), or a timestamp of when it was verified (null: never). Only `true`,
   * `1`, `1n`, a valid date or a timestamp's text count as verified; `'0'`, `'false'`, `''` and the
   * like do not. Unmapped: every address is treated as unverified, so none is created verified.
   */
  emailVerified?: Column
  firstName?: Column
  lastName?: Column
  role?: Column
  /** The stored password hash (bcrypt, argon2i/argon2id, …). */
  passwordDigest?: Column
  /** A column naming each digest's hasher, for schemes the digest's text does not tell. */
  passwordHasher?: Column
}

export interface DrizzleLegacyUsersOptions {
  table: Table
  columns: LegacyUsersColumns
  /** Rows read per query. Default 500. */
  pageSize?: number
}

const DEFAULT_PAGE_SIZE = 500

function fail(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `drizzleLegacyUsers: ${message}`)
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/**
 * The app's id as the column takes it (the import hands it over as text, Clerk's `external_id`),
 * or undefined when no row can have it: a Clerk user created elsewhere may carry an `external_id`
 * that is not a number, and its webhook must not fail on an integer column for that.
 */
function appIdValue(column: Column, appId: string): unknown {
  if (column.dataType !== 'number' && column.dataType !== 'bigint') return appId
  if (!/^-?\d+$/.test(appId)) return undefined
  return column.dataType === 'number' ? Number(appId) : BigInt(appId)
}

/**
 * The app's users that have no Clerk account yet, for `importLegacyUsers`: rows whose `clerkId`
 * column is null, read a page at a time in `appId` order (memory stays flat however many there
 * are). `link(appId, clerkId)` sets `clerkId` where it is still null, so running it twice, or from
 * the webhook (`createClerkSync({ linkLegacyUser: source.link })`) as well, is harmless.
 *
 * @example
 * const legacyUsers = drizzleLegacyUsers(db, {
 *   table: users,
 *   columns: { appId: users.id, clerkId: users.clerkId, email: users.email, emailVerified: users.emailVerified, passwordDigest: users.passwordHash },
 * })
 */
export function drizzleLegacyUsers(
  db: AnyDatabase,
  options: DrizzleLegacyUsersOptions,
): LegacyUserSource {
  detectDialect(db)
  const { table, columns } = options ?? ({} as DrizzleLegacyUsersOptions)
  if (!table || !columns) fail('options { table, columns } are required.')
  const name = getTableName(table)
  const own = new Set<Column>(Object.values(getTableColumns(table)))
  const mapped = Object.entries(columns).filter(([, column]) => column !== undefined) as Array<
    [keyof LegacyUsersColumns, Column]
  >
  for (const key of ['appId', 'clerkId', 'email'] as const) {
    if (!columns[key]) fail(`columns.${key} is required.`)
  }
  for (const [key, column] of mapped) {
    if (!own.has(column)) fail(`columns.${key} is not a column of table "${name}".`)
  }
  if (!columns.appId.primary && !columns.appId.isUnique) {
    fail(`"${name}".${columns.appId.name} (appId) must be the primary key or unique.`)
  }
  if (columns.clerkId.notNull) {
    fail(
      `"${name}".${columns.clerkId.name} (clerkId) must be nullable: null marks a user not yet in Clerk.`,
    )
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    fail(`pageSize must be an integer from 1 to 10000, got ${pageSize}.`)
  }
  const selection = Object.fromEntries(mapped) as Record<string, Column>
  const clerkIdKey = keyOf(table, columns.clerkId)
  // Drizzle's builders differ by dialect only in their types; the calls here are common to all.
  // biome-ignore lint/suspicious/noExplicitAny: one query shape for the three dialects' databases.
  const anyDb = db as any

  async function page(after: unknown): Promise<Record<string, unknown>[]> {
    const unlinked: SQL = isNull(columns.clerkId)
    const where = after === undefined ? unlinked : and(unlinked, gt(columns.appId, after))
    return anyDb
      .select(selection)
      .from(table)
      .where(where)
      .orderBy(asc(columns.appId))
      .limit(pageSize)
  }

  function toLegacyUser(row: Record<string, unknown>): LegacyUser {
    return {
      appId: String(row.appId),
      email: text(row.email) ?? '',
      emailVerified: isEmailVerified(row.emailVerified),
      firstName: text(row.firstName),
      lastName: text(row.lastName),
      role: text(row.role),
      passwordDigest: text(row.passwordDigest),
      passwordHasher: text(row.passwordHasher),
    }
  }

  return {
    async *[Symbol.asyncIterator]() {
      // Keyset, not offset: rows linked meanwhile drop out of the filter without shifting pages.
      let after: unknown
      for (;;) {
        const rows = await page(after)
        for (const row of rows) yield toLegacyUser(row)
        if (rows.length < pageSize) return
        after = rows[rows.length - 1]?.appId
      }
    },
    async link(appId, clerkId) {
      const value = appIdValue(columns.appId, appId)
      if (value === undefined) return
      await anyDb
        .update(table)
        .set({ [clerkIdKey]: clerkId })
        .where(and(eq(columns.appId, value), isNull(columns.clerkId)))
    },
  }
}

/** The table's property name for a column, as Drizzle's `set` takes it. */
function keyOf(table: Table, column: Column): string {
  for (const [key, candidate] of Object.entries(getTableColumns(table))) {
    if (candidate === column) return key
  }
  return fail(`column ${column.name} is not in table "${getTableName(table)}".`)
}
