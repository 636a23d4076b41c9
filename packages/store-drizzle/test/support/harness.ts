import { withGroupCommit } from '@clerk-sync/core/store-kit'
import type { ConformanceHarness, KeepingDeletePolicy } from '@clerk-sync/testing/conformance'
import { type Column, getTableName, type Table } from 'drizzle-orm'
import type { FaultInjector } from '../../../../test-support/faults.js'
import type { RawDatabase } from '../../../../test-support/raw-database.js'
import { sqlHarness, type UserRowColumns } from '../../../../test-support/sql-harness.js'
import { type AnyDatabase, type DrizzleStoreOptions, drizzleStore } from '../../src/index.js'

export { emptyTables } from '../../../../test-support/sql-harness.js'

/** clerk_sync_users' columns (it has no deletedAt: `soft` needs the app's own table). */
const readyRowColumns: UserRowColumns = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  username: 'username',
  phone: 'phone',
  imageUrl: 'image_url',
}

/** What the ready-table conformance runs answer for a policy clerk_sync_users cannot take. */
export const SOFT_NEEDS_APP_TABLE =
  "clerk_sync_users has no deleted_at column: onDelete 'soft' is for the app's own users table (tested in existing-table.test.ts)"

/** A conformance harness over a Drizzle store, checked through direct SQL. */
export function drizzleHarness(options: {
  db: AnyDatabase
  raw: RawDatabase
  faults: FaultInjector
  store?: DrizzleStoreOptions
  dependents?: string[]
  /** Wraps the store in core's group commit, so the suite's concurrent writes share batches. */
  groupCommit?: boolean
}): Promise<ConformanceHarness> {
  const users = options.store?.users
  const store = drizzleStore(options.db, options.store)
  const name = (column: Column | undefined) => column?.name
  const rowColumns: UserRowColumns = users
    ? {
        deletedAt: name(users.columns.deletedAt),
        email: name(users.columns.email),
        firstName: name(users.columns.firstName),
        lastName: name(users.columns.lastName),
        username: name(users.columns.username),
        phone: name(users.columns.phone),
        imageUrl: name(users.columns.imageUrl),
      }
    : readyRowColumns
  return sqlHarness({
    store: options.groupCommit ? withGroupCommit(store) : store,
    raw: options.raw,
    faults: options.faults,
    usersTable: users ? getTableName(users.table as Table) : 'clerk_sync_users',
    idColumn: users?.columns.id.name ?? 'id',
    dependents: options.dependents,
    rowColumns,
  })
}

/**
 * `setupWithDeletePolicy` for a run over clerk_sync_users: `anonymize` there, `soft` skipped with
 * the reason. `options` is read when a test starts (the database opens in beforeAll).
 */
/** The keeping policies clerk_sync_users has: no deletedAt column, so no `soft`. */
export const READY_TABLE_POLICIES = ['anonymize'] as const

export function readyTableDeletePolicies(options: () => Parameters<typeof drizzleHarness>[0]) {
  return async (policy: KeepingDeletePolicy): Promise<ConformanceHarness | string> =>
    policy === 'soft'
      ? SOFT_NEEDS_APP_TABLE
      : drizzleHarness({ ...options(), store: { ...options().store, onDelete: policy } })
}
