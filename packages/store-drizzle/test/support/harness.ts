import { withGroupCommit } from '@clerk-sync/core/store-kit'
import type { ConformanceHarness } from '@clerk-sync/testing/conformance'
import { getTableName, type Table } from 'drizzle-orm'
import type { FaultInjector } from '../../../../test-support/faults.js'
import type { RawDatabase } from '../../../../test-support/raw-database.js'
import { sqlHarness } from '../../../../test-support/sql-harness.js'
import { type AnyDatabase, type DrizzleStoreOptions, drizzleStore } from '../../src/index.js'

export { emptyTables } from '../../../../test-support/sql-harness.js'

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
  return sqlHarness({
    store: options.groupCommit ? withGroupCommit(store) : store,
    raw: options.raw,
    faults: options.faults,
    usersTable: users ? getTableName(users.table as Table) : 'clerk_sync_users',
    idColumn: users?.columns.id.name ?? 'id',
    dependents: options.dependents,
  })
}
