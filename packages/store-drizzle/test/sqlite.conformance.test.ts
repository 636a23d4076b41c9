import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll } from 'vitest'
import { applyMigrations } from '../src/index.js'
import { sqliteDatabase, type TestDatabase } from './support/connections.js'
import {
  drizzleHarness,
  READY_TABLE_POLICIES,
  readyTableDeletePolicies,
} from './support/harness.js'

const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-sqlite-'))

for (const [label, file] of [
  ['file (WAL)', join(dir, 'test.db')],
  ['memory', ':memory:'],
] as const) {
  let database: TestDatabase
  beforeAll(async () => {
    database = sqliteDatabase(file)
    await applyMigrations(database.db)
    await database.faults.install([{ table: 'clerk_sync_users', id: 'id' }])
  })
  afterAll(async () => {
    await database?.close()
  })
  storeConformance({
    name: `drizzle · SQLite ${label} · better-sqlite3`,
    setup: () => drizzleHarness(database),
    setupWithDeletePolicy: readyTableDeletePolicies(() => database),
    deletePolicies: READY_TABLE_POLICIES,
  })
}

afterAll(() => rmSync(dir, { recursive: true, force: true }))
