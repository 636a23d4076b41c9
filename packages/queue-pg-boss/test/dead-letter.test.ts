import { randomId } from '@clerk-sync/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossMajor } from './boss.js'
import { eventually, type QueueHarness, queuedEvent, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/**
 * An event whose write keeps failing is retried, then dead-lettered: visible in the counts, never
 * lost, put back by `replayDeadEvents` or by Svix redelivering it, and then applied.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue dead letters (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  /** Event ids whose store commit throws, as a broken database would. */
  const failing = new Set<string>()
  let worker: { stop(): Promise<void> } | undefined

  beforeAll(async () => {
    h = await queueHarness({
      // Two attempts in quick succession, so a test sees the dead letter within a second.
      queue: { retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false },
      memory: {
        beforeCommit: async ({ eventId }) => {
          if (eventId && failing.has(eventId)) throw new Error(`store down for ${eventId}`)
        },
      },
    })
  })
  afterEach(async () => {
    await worker?.stop()
    worker = undefined
    failing.clear()
  })
  afterAll(async () => {
    await h?.close()
  })

  const startWorker = async () => {
    worker = await h.sync.startWorker({ concurrency: 2, batchSize: 8, statsIntervalMs: 0 })
  }
  const attemptsOf = (svixId: string) => h.results.filter((r) => r.eventId === svixId)

  /** Delivers an event whose writes fail until it sits in the dead-letter queue. */
  async function deadLettered(): Promise<{ payload: object; userId: string; svixId: string }> {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')
    failing.add(svixId)
    expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'queued' })
    await eventually(
      async () => (await h.sync.queueStats()).dead === 1,
      10_000,
      'the event being dead-lettered',
    )
    return { payload, userId, svixId }
  }

  it('dead-letters a job that fails every attempt, counts it, and replayDeadEvents applies it', async () => {
    await startWorker()
    const { userId, svixId } = await deadLettered()

    expect(await h.sync.queueStats()).toMatchObject({ queued: 0, active: 0, dead: 1 })
    expect(attemptsOf(svixId).map((r) => [r.status, r.outcome])).toEqual([
      [500, 'failed'],
      [500, 'failed'],
    ])
    const jobs = await h.jobs()
    // pg-boss keeps the original as `failed` and stores a copy, under a new id, in `<name>-dead`.
    expect(jobs.map((job) => [job.name, job.state])).toEqual([
      [h.queueName, 'failed'],
      [`${h.queueName}-dead`, 'created'],
    ])
    expect(jobs[1]?.data).toMatchObject({ eventId: svixId, userId })
    expect(await h.store.getUser(userId)).toBeNull()

    failing.delete(svixId)
    expect(await h.sync.replayDeadEvents()).toBe(1)
    expect((await h.sync.queueStats()).dead).toBe(0)
    await eventually(() => h.store.getUser(userId), 10_000, 'the replayed event being applied')
    await eventually(async () => (await h.jobs()).length === 0, 5000, 'the jobs being deleted')
    expect(attemptsOf(svixId).at(-1)).toMatchObject({ status: 200, outcome: 'applied' })
    expect(await h.sync.replayDeadEvents()).toBe(0)
  })

  it('re-queues a dead-lettered event that Svix delivers again, instead of answering a duplicate', async () => {
    await startWorker()
    const { payload, userId, svixId } = await deadLettered()

    failing.delete(svixId)
    const answer = await h.deliver(payload, svixId)
    expect(answer).toMatchObject({ status: 200, outcome: 'queued' })
    expect(answer.message).toContain('dead-lettered')
    // The dead copy went with it: a replay would not run the event a second time.
    expect((await h.sync.queueStats()).dead).toBe(0)

    await eventually(() => h.store.getUser(userId), 10_000, 'the requeued event being applied')
    await eventually(async () => (await h.jobs()).length === 0, 5000, 'the jobs being deleted')
    expect(attemptsOf(svixId).map((r) => r.outcome)).toEqual(['failed', 'failed', 'applied'])
  })

  it('dead-letters a requeued event that fails again once more, with a single dead copy', async () => {
    await startWorker()
    const { payload, svixId } = await deadLettered()

    // Still failing: the redelivery is requeued, gets one more attempt, and is dead again.
    expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'queued' })
    await eventually(() => attemptsOf(svixId).length === 3, 10_000, 'the third attempt')
    await eventually(
      async () => (await h.sync.queueStats()).dead === 1,
      10_000,
      'the event being dead-lettered again',
    )
    const dead = (await h.jobs()).filter((job) => job.name === `${h.queueName}-dead`)
    expect(dead.map((job) => job.data?.eventId)).toEqual([svixId])

    // Healed, a replay applies it and leaves nothing behind.
    await worker?.stop()
    worker = undefined
    failing.clear()
    expect(await h.sync.replayDeadEvents()).toBe(1)
    await startWorker()
    await eventually(async () => (await h.jobs()).length === 0, 10_000, 'the jobs being deleted')
  })

  it('replays every dead letter without a limit, in steps, and at most `limit` with one', async () => {
    // More dead letters than one replay step reads (500), stored as pg-boss's dead copies are.
    const deadName = `${h.queueName}-dead`
    const events = Array.from({ length: 520 }, queuedEvent)
    await Promise.all(events.map((event) => h.boss.send(deadName, event)))
    expect((await h.sync.queueStats()).dead).toBe(520)

    expect(await h.sync.replayDeadEvents({ limit: 7 })).toBe(7)
    expect(await h.sync.queueStats()).toMatchObject({ queued: 7, dead: 513 })
    expect(await h.sync.replayDeadEvents()).toBe(513)
    expect(await h.sync.queueStats()).toMatchObject({ queued: 520, dead: 0 })
    const queued = (await h.jobs()).filter((job) => job.name === h.queueName)
    expect(queued.map((job) => job.data?.eventId).sort()).toEqual(
      events.map((event) => event.eventId).sort(),
    )
    // Cleared for the other tests: nothing of this is meant to run.
    await h.sql(`DELETE FROM ${h.schema}.job WHERE name = $1`, [h.queueName])
  })
})
