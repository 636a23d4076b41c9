import { silentLogger } from '@clerk-sync/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable, runScopedName } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { itOnPgBoss12, pgBossMajor, startBoss, type TestBoss } from './boss.js'
import { type QueueHarness, queuedEvent, queueHarness } from './harness.js'

const skip = await postgresUnavailable()

/**
 * The adapter reads pg-boss's job table in SQL, so it must name the boss's schema as pg-boss
 * does, and find out that it cannot before it stores anything: an event stored and then answered
 * 500 would be applied while Svix retries it.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue schema names (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness

  beforeAll(async () => {
    h = await queueHarness()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('refuses a schema name it cannot use before storing anything', async () => {
    // A connection whose config names a schema the adapter would have to interpolate unsafely.
    const boss = new Proxy(h.boss, {
      get(target, key) {
        const value = Reflect.get(target, key, target)
        if (key !== 'getDb') return typeof value === 'function' ? value.bind(target) : value
        return () => {
          const db = target.getDb()
          return {
            config: { schema: 'x; drop table y' },
            executeSql: db.executeSql.bind(db),
          }
        }
      },
    }) as TestBoss
    const queue = pgBossQueue(boss, { name: 'bad-schema', logger: silentLogger })
    await expect(queue.enqueue(queuedEvent())).rejects.toThrow(/schema/)
    const stored = await h.sql(`SELECT id FROM ${h.schema}.job WHERE name = 'bad-schema'`)
    expect(stored).toEqual([])
  })

  itOnPgBoss12('works on a quoted schema name (12 takes it verbatim)', async () => {
    const schema = `"QS ${runScopedName('x')}"`
    let boss: TestBoss | undefined
    try {
      boss = await startBoss({ schema })
      const queue = pgBossQueue(boss, { logger: silentLogger })
      const event = queuedEvent()
      expect(await queue.enqueue(event)).toBe('queued')
      expect(await queue.enqueue(event)).toBe('already-queued')
      expect(await queue.stats()).toMatchObject({ queued: 1, dead: 0 })
    } finally {
      await boss?.stop({ graceful: false })
      await h.sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    }
  })
})
