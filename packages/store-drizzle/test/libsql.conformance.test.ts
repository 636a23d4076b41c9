import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HeldWrite } from '@clerk-sync/testing/conformance'
import { storeConformance } from '@clerk-sync/testing/conformance'
import { type Client, createClient, type InStatement, type Transaction } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { afterAll, beforeAll } from 'vitest'
import type { FaultInjector } from '../../../test-support/faults.js'
import type { RawDatabase } from '../../../test-support/raw-database.js'
import { applyMigrations } from '../src/index.js'
import {
  drizzleHarness,
  READY_TABLE_POLICIES,
  readyTableDeletePolicies,
} from './support/harness.js'

/**
 * libSQL (local file) through drizzle-orm/libsql: the async SQLite path. libSQL cannot call back
 * into JS from a trigger, so holds are injected where the driver sends the user-row write,
 * inside the real transaction, which then really rolls back.
 */
const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-libsql-'))
let client: Client
const held = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()

function holdingTransactions(inner: Client): Client {
  const transaction = inner.transaction.bind(inner)
  inner.transaction = (async (...args: unknown[]) => {
    const tx: Transaction = await (transaction as (...a: unknown[]) => Promise<Transaction>)(
      ...args,
    )
    const execute = tx.execute.bind(tx)
    tx.execute = async (statement: InStatement) => {
      const text = typeof statement === 'string' ? statement : statement.sql
      const args = typeof statement === 'string' ? [] : (statement.args as unknown[])
      if (/^(insert into|update|delete from) "clerk_sync_users"/i.test(text)) {
        for (const [userId, hold] of held) {
          if (!Array.isArray(args) || !args.includes(userId)) continue
          held.delete(userId)
          hold.enter()
          await new Promise((resolve) => setTimeout(resolve, hold.delayMs))
          if (hold.fail) throw new Error('injected write failure')
        }
      }
      return execute(statement)
    }
    return tx
  }) as Client['transaction']
  return inner
}

const faults: FaultInjector = {
  async install() {
    // Holds are taken in the wrapped transaction below, on writes to clerk_sync_users.
  },
  async reset() {
    held.clear()
  },
  async hold(userId, delayMs, fail): Promise<HeldWrite> {
    let enter!: () => void
    const entered = new Promise<void>((resolve) => (enter = resolve))
    held.set(userId, { delayMs, fail, enter })
    return { entered }
  },
}

let raw: RawDatabase
let db: ReturnType<typeof drizzle>

beforeAll(async () => {
  client = holdingTransactions(createClient({ url: `file:${join(dir, 'libsql.db')}` }))
  db = drizzle(client)
  raw = {
    dialect: 'sqlite',
    query: async (text, params = []) =>
      (await client.execute({ sql: text, args: params as never })).rows as unknown as Record<
        string,
        unknown
      >[],
  }
  await applyMigrations(db)
})
afterAll(() => {
  client?.close()
  rmSync(dir, { recursive: true, force: true })
})

storeConformance({
  name: 'drizzle · libSQL (local file)',
  setup: () => drizzleHarness({ db, raw, faults }),
  setupWithDeletePolicy: readyTableDeletePolicies(() => ({ db, raw, faults })),
  deletePolicies: READY_TABLE_POLICIES,
})
