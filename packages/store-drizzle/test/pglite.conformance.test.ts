import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { applyMigrations } from '../src/index.js'
import { pgliteDatabase, type TestDatabase } from './support/connections.js'
import {
  drizzleHarness,
  READY_TABLE_POLICIES,
  readyTableDeletePolicies,
} from './support/harness.js'

let database: TestDatabase

beforeAll(async () => {
  database = await pgliteDatabase()
  await applyMigrations(database.db)
  await database.faults.install([{ table: 'clerk_sync_users', id: 'id' }])
})
afterAll(async () => {
  await database?.close()
})

storeConformance({
  name: 'drizzle · PGlite',
  setup: () => drizzleHarness(database),
  setupWithDeletePolicy: readyTableDeletePolicies(() => database),
  deletePolicies: READY_TABLE_POLICIES,
})
