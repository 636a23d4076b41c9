import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { applyMigrations } from '../src/index.js'
import { postgresDatabase, type TestDatabase } from './support/connections.js'
import {
  drizzleHarness,
  READY_TABLE_POLICIES,
  readyTableDeletePolicies,
} from './support/harness.js'

const skip = await postgresUnavailable()

for (const driver of ['pg', 'pg-client', 'postgres-js'] as const) {
  let database: TestDatabase
  beforeAll(async () => {
    if (skip) return
    database = await postgresDatabase(driver)
    await applyMigrations(database.db)
    await database.faults.install([{ table: 'clerk_sync_users', id: 'id' }])
  })
  afterAll(async () => {
    await database?.close()
  })
  storeConformance({
    name: `drizzle · PostgreSQL 15 · ${driver}`,
    skip,
    setup: () => drizzleHarness(database),
    setupWithDeletePolicy: readyTableDeletePolicies(() => database),
    deletePolicies: READY_TABLE_POLICIES,
  })
}

// Group commit on: every concurrent write in the suite (duplicates, version races, deletes) goes
// through core's batching and the store's one-statement batch write.
{
  let database: TestDatabase
  beforeAll(async () => {
    if (skip) return
    database = await postgresDatabase('pg')
    await applyMigrations(database.db)
    await database.faults.install([{ table: 'clerk_sync_users', id: 'id' }])
  })
  afterAll(async () => {
    await database?.close()
  })
  storeConformance({
    name: 'drizzle · PostgreSQL 15 · pg · group commit',
    skip,
    setup: () => drizzleHarness({ ...database, groupCommit: true }),
    setupWithDeletePolicy: readyTableDeletePolicies(() => ({ ...database, groupCommit: true })),
    deletePolicies: READY_TABLE_POLICIES,
  })
}
