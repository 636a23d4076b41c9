import type { SyncedUser } from '@clerk-sync/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlUnavailable } from '../../../test-support/databases.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import { mysqlDatabase, type TestDatabase } from './support/connections.js'
import { emptyTables } from './support/harness.js'

/**
 * Prints how long the MariaDB write paths take: a bulk update of existing users through
 * `upsertUsers`, and single webhook writes one after another and 32 at a time. Nothing here is
 * asserted on time; the figures go to the console. CLERK_SYNC_MEASURE=1 runs the full sizes
 * (10,000 users, 1,000 events); without it a small run only proves the script works.
 */
const skip = await mysqlUnavailable()
const suite = skip ? describe.skip : describe
const full = process.env.CLERK_SYNC_MEASURE === '1'
const bulkSize = full ? 10_000 : 200
const eventCount = full ? 1_000 : 30

const T = Date.UTC(2026, 3, 1)
function user(i: number, at: number, tag: string): SyncedUser<string> {
  return {
    id: `user_speed_${String(i).padStart(6, '0')}`,
    email: `u${i}@example.com`,
    firstName: `First ${tag}`,
    lastName: i % 3 === 0 ? null : `Last ${tag}`,
    username: null,
    phone: i % 2 ? '+15550100' : null,
    imageUrl: 'https://img.example.com/a.png',
    role: i % 10 === 0 ? 'admin' : 'member',
    createdAt: new Date(T),
    updatedAt: new Date(at),
    extra: { tag, n: i },
  }
}

suite('MariaDB write speed (printed, not asserted)', () => {
  let database: TestDatabase
  const lines: string[] = []
  beforeAll(async () => {
    database = await mysqlDatabase()
    await applyMigrations(database.db)
  })
  afterAll(async () => {
    if (lines.length) console.log(lines.join('\n'))
    await database?.close()
  })

  async function timed(what: string, run: () => Promise<unknown>): Promise<number> {
    const start = performance.now()
    await run()
    const ms = performance.now() - start
    lines.push(`${what}: ${ms.toFixed(0)} ms`)
    return ms
  }

  it(`bulk: ${bulkSize} new users, then ${bulkSize} existing users updated`, async () => {
    await emptyTables(database.raw, ['clerk_sync_users'])
    const store = drizzleStore(database.db)
    const origin = { source: 'backfill' as const, actor: null }
    const created = Array.from({ length: bulkSize }, (_, i) => user(i, T, 'a'))
    await timed(`upsertUsers, ${bulkSize} new users`, async () => {
      const result = await store.upsertUsers({ users: created, origin })
      expect(result.applied).toHaveLength(bulkSize)
    })
    const updated = Array.from({ length: bulkSize }, (_, i) => user(i, T + 1000, 'b'))
    await timed(`upsertUsers, ${bulkSize} existing users updated`, async () => {
      const result = await store.upsertUsers({ users: updated, origin })
      expect(result.applied).toHaveLength(bulkSize)
    })
    const last = bulkSize - 1
    expect(await store.getUser(user(last, 0, '').id)).toEqual(user(last, T + 1000, 'b'))
  }, 300_000)

  it(`events: ${eventCount} upserts one at a time, then 32 at a time`, async () => {
    await emptyTables(database.raw, ['clerk_sync_users'])
    const store = drizzleStore(database.db)
    const origin = { source: 'webhook' as const, actor: null }
    const write = (i: number, at: number, tag: string) =>
      store.upsertUser({
        user: user(i, at, tag),
        origin,
        event: { id: `msg_${tag}_${i}`, type: 'user.updated', receivedAt: new Date() },
      })
    const run = async (concurrency: number, from: number, at: number, tag: string) => {
      let next = from
      const end = from + eventCount
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) await write(next++, at, tag)
        }),
      )
    }
    for (const concurrency of [1, 32]) {
      const from = concurrency === 1 ? 0 : eventCount
      const created = await timed(`${eventCount} new users, c=${concurrency}`, () =>
        run(concurrency, from, T, `c${concurrency}`),
      )
      const updated = await timed(`${eventCount} updates of existing users, c=${concurrency}`, () =>
        run(concurrency, from, T + 1000, `u${concurrency}`),
      )
      lines.push(
        `  = ${((eventCount * 1000) / created).toFixed(0)} and ${((eventCount * 1000) / updated).toFixed(0)} events/s`,
      )
    }
  }, 300_000)
})
