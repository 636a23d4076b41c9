import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossMajor } from './boss.js'
import { type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/** `stats()` reads the job table itself, so it moves with every job, not with a monitor's cache. */
describe.skipIf(Boolean(skip))(`pgBossQueue stats (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness

  beforeAll(async () => {
    // No retries: one failed attempt dead-letters a job.
    h = await queueHarness({ queue: { retryLimit: 0 } })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('counts waiting, active and dead-lettered jobs and the oldest wait, live', async () => {
    expect(await h.sync.queueStats()).toEqual({
      queued: 0,
      active: 0,
      dead: 0,
      oldestQueuedAgeMs: null,
    })

    for (let i = 0; i < 3; i++) {
      expect(await h.deliver(userCreated().payload, randomId('msg'))).toMatchObject({
        outcome: 'queued',
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
    const waiting = await h.sync.queueStats()
    expect(waiting).toMatchObject({ queued: 3, active: 0, dead: 0 })
    expect(waiting.oldestQueuedAgeMs).toBeGreaterThanOrEqual(250)
    expect(waiting.oldestQueuedAgeMs).toBeLessThan(10_000)

    // A worker takes two; they are active, no longer waiting.
    const taken = await h.boss.fetch(h.queueName, { batchSize: 2 })
    expect(taken).toHaveLength(2)
    expect(await h.sync.queueStats()).toMatchObject({ queued: 1, active: 2, dead: 0 })

    // One fails with no retries left: dead-lettered. The other is applied and deleted.
    const [failed, applied] = taken.map((job) => job.id)
    await h.boss.fail(h.queueName, [failed as string], { message: 'store down' })
    await h.boss.deleteJob(h.queueName, [applied as string])
    expect(await h.sync.queueStats()).toMatchObject({ queued: 1, active: 0, dead: 1 })

    // The counts agree with the table.
    const states = (await h.jobs()).map((job) => `${job.name}:${job.state}`).sort()
    expect(states).toEqual([
      `${h.queueName}-dead:created`,
      `${h.queueName}:created`,
      `${h.queueName}:failed`,
    ])
  })
})
