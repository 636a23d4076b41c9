import { randomUUID } from 'node:crypto'
import { silentLogger } from '@clerk-sync/core'
import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { insertJobs } from '../src/insert-jobs.js'
import { pgBossMajor, type TestBoss } from './boss.js'
import { type QueueHarness, queueHarness } from './harness.js'

const skip = await postgresUnavailable()

/**
 * `replayDeadEvents()` without a limit moves the dead letters there when it starts, once each:
 * while the cause persists, the replayed events fail again and are dead-lettered anew, and those
 * new copies are left for the next replay instead of being moved round and round.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue replay cut-off (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  /** Runs each time the replay drops the dead copies of a step it moved. */
  let afterStep: (() => Promise<void>) | undefined

  beforeAll(async () => {
    h = await queueHarness({
      queue: { retryLimit: 0 },
      wrapBoss: (boss) =>
        new Proxy(boss, {
          get(target, key) {
            const value = Reflect.get(target, key, target)
            if (typeof value !== 'function') return value
            if (key !== 'deleteJob') return value.bind(target)
            return async (...args: unknown[]) => {
              const result = await value.apply(target, args)
              if (args[0] === `${h.queueName}-dead`) await afterStep?.()
              return result
            }
          },
        }) as TestBoss,
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('moves each dead letter once, not the copies its own failures make while it runs', async () => {
    // One more than a replay step (500), so the replay reads a second page after the first
    // step's events have failed again.
    const count = 501
    await h.sync.queueStats()
    await insertJobs(
      h.boss,
      `${h.queueName}-dead`,
      Array.from({ length: count }, (_, i) => {
        const userId = randomId('user')
        return {
          id: randomUUID(),
          data: {
            eventId: `msg_replay_${i}`,
            eventType: 'user.created',
            userId,
            payload: { type: 'user.created', data: { id: userId } },
            receivedAt: Date.now(),
          },
        }
      }),
    )
    expect((await h.sync.queueStats()).dead).toBe(count)

    // A worker whose writes still fail takes every replayed job and dead-letters it again
    // (bounded, so a replay that keeps re-reading them ends anyway).
    let steps = 0
    afterStep = async () => {
      if (++steps > 6) return
      const jobs = await h.boss.fetch(h.queueName, { batchSize: 1000 })
      if (jobs.length > 0) {
        await h.boss.fail(
          h.queueName,
          jobs.map((job) => job.id),
          { message: 'still down' },
        )
      }
    }
    const moved = await h.sync.replayDeadEvents()
    afterStep = undefined
    expect(moved).toBe(count)
    // Every event failed again: one dead copy each, waiting for the next replay.
    expect((await h.sync.queueStats()).dead).toBe(count)
  })

  it('takes any whole limit of at least 1 (the CLI passes --limit straight through)', async () => {
    const queue = pgBossQueue(h.boss, { name: 'replay-limits', logger: silentLogger })
    expect(await queue.replayDead({ limit: 5_000_000 })).toBe(0)
    await expect(queue.replayDead({ limit: 0 })).rejects.toThrow(/limit/)
    await expect(queue.replayDead({ limit: 1.5 })).rejects.toThrow(/limit/)
  })
})
