import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { mysqlUnavailable } from '../../../test-support/databases.js'
import { applyMigrations } from '../src/index.js'
import { mysqlDatabase, type TestDatabase } from './support/connections.js'
import {
  drizzleHarness,
  READY_TABLE_POLICIES,
  readyTableDeletePolicies,
} from './support/harness.js'

const skip = await mysqlUnavailable()
for (const singleConnection of [false, true]) {
  let database: TestDatabase
  beforeAll(async () => {
    if (skip) return
    database = await mysqlDatabase({ singleConnection })
    await applyMigrations(database.db)
    await database.faults.install([{ table: 'clerk_sync_users', id: 'id' }])
  })
  afterAll(async () => {
    await database?.close()
  })

  storeConformance({
    name: `drizzle · MariaDB · mysql2 ${singleConnection ? '(one connection)' : '(pool)'}`,
    skip,
    setup: () => drizzleHarness(database),
    setupWithDeletePolicy: readyTableDeletePolicies(() => database),
    deletePolicies: READY_TABLE_POLICIES,
  })
}
