import { clerkUser, randomId, userCreatedEvent } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossMajor, type TestBoss } from './boss.js'
import { eventually, type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/**
 * A burst of deliveries is stored with a handful of `insert` statements, not one per event, and
 * every delivery is still answered from its own job: new, a duplicate in the same burst, a job
 * already waiting, or a dead-lettered one put back.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue grouped enqueue (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  let inserts = 0
  /** Inserts running at once, and the most seen. */
  let insertsNow = 0
  let insertsAtOnce = 0
  let failing: string | undefined

  beforeAll(async () => {
    h = await queueHarness({
      queue: { retryLimit: 0 },
      memory: {
        beforeCommit: async ({ eventId }) => {
          if (eventId === failing) throw new Error(`store down for ${eventId}`)
        },
      },
      // The real engine, with its `insert` calls counted on the way through.
      wrapBoss: (boss) =>
        new Proxy(boss, {
          get(target, key) {
            const value = Reflect.get(target, key, target)
            if (typeof value !== 'function') return value
            // Called on the boss itself: pg-boss keeps private fields a Proxy cannot reach.
            if (key !== 'insert') return value.bind(target)
            return async (...args: never[]) => {
              inserts++
              insertsAtOnce = Math.max(insertsAtOnce, ++insertsNow)
              try {
                return await (value as TestBoss['insert']).apply(target, args)
              } finally {
                insertsNow--
              }
            }
          },
        }),
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('answers 200 new, duplicate, waiting and dead-lettered deliveries of one burst correctly with few inserts', async () => {
    // One event dead-lettered by a worker whose store write fails.
    const dead = { ...userCreated(), svixId: randomId('msg') }
    failing = dead.svixId
    const first = await h.deliver(dead.payload, dead.svixId)
    expect(first, first.message).toMatchObject({ outcome: 'queued' })
    const worker = await h.sync.startWorker({ concurrency: 1, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(async () => (await h.sync.queueStats()).dead === 1, 10_000, 'a dead letter')
    } finally {
      await worker.stop()
    }
    failing = undefined

    // Ten events already waiting before the burst.
    const waiting = Array.from({ length: 10 }, () => ({
      ...userCreated(),
      svixId: randomId('msg'),
    }))
    for (const event of waiting) {
      expect(await h.deliver(event.payload, event.svixId)).toMatchObject({ outcome: 'queued' })
    }

    const fresh = Array.from({ length: 200 }, () => ({ ...userCreated(), svixId: randomId('msg') }))
    const repeated = fresh.filter((_, i) => i % 5 === 0) // 40 delivered twice in the burst
    const burst = [...fresh, ...repeated, ...waiting, dead]
    inserts = 0
    const answers = await Promise.all(burst.map((e) => h.deliver(e.payload, e.svixId)))

    const outcomesOf = (svixId: string) =>
      answers
        .filter((_, i) => burst[i]!.svixId === svixId)
        .map((a) => [a.status, a.outcome])
        .sort()
    for (const event of fresh) {
      const expected = repeated.includes(event)
        ? [
            [200, 'duplicate'],
            [200, 'queued'],
          ]
        : [[200, 'queued']]
      expect(outcomesOf(event.svixId)).toEqual(expected)
    }
    for (const event of waiting) expect(outcomesOf(event.svixId)).toEqual([[200, 'duplicate']])
    const requeued = answers[burst.length - 1]!
    expect(requeued).toMatchObject({ status: 200, outcome: 'queued' })
    expect(requeued.message).toContain('dead-lettered')

    // Each event's job stored once, the dead one put back, its dead copy gone.
    const jobs = await h.jobs()
    const mainJobs = jobs.filter((job) => job.name === h.queueName)
    expect(jobs.filter((job) => job.name !== h.queueName)).toEqual([])
    expect(mainJobs.map((job) => job.data?.eventId).sort()).toEqual(
      [...fresh, ...waiting, dead].map((e) => e.svixId).sort(),
    )
    expect(new Set(mainJobs.map((job) => job.state))).toEqual(new Set(['created', 'retry']))
    expect(mainJobs.find((job) => job.data?.eventId === dead.svixId)?.state).toBe('retry')

    // 251 deliveries, at most 64 events per insert: a handful of statements, not one per event.
    expect(inserts).toBeGreaterThanOrEqual(Math.ceil(211 / 64))
    expect(inserts).toBeLessThanOrEqual(40)

    // And the worker applies every one of them.
    const drain = await h.sync.startWorker({ concurrency: 2, batchSize: 64, statsIntervalMs: 0 })
    try {
      await eventually(async () => (await h.jobs()).length === 0, 20_000, 'the queue draining')
    } finally {
      await drain.stop()
    }
    for (const event of [...fresh, ...waiting, dead]) {
      expect(await h.store.getUser(event.userId)).not.toBeNull()
    }
  })

  it('stores the rest of a burst when Postgres refuses one event of it, and answers that one 500', async () => {
    // Valid JSON that jsonb refuses (\u0000): the insert of its batch fails for that value alone.
    const user = clerkUser({ firstName: 'nul \u0000 here' })
    const bad = { payload: userCreatedEvent(user), svixId: randomId('msg') }
    const good = Array.from({ length: 9 }, () => ({ ...userCreated(), svixId: randomId('msg') }))
    const before = (await h.jobs()).length
    inserts = 0
    insertsAtOnce = 0
    const [badAnswer, ...goodAnswers] = await Promise.all(
      [bad, ...good].map((e) => h.deliver(e.payload, e.svixId)),
    )
    expect(badAnswer).toMatchObject({ status: 500, outcome: 'failed' })
    for (const answer of goodAnswers)
      expect(answer).toMatchObject({ status: 200, outcome: 'queued' })
    const stored = (await h.jobs()).map((job) => job.data?.eventId)
    expect(stored).toHaveLength(before + 9)
    expect(stored).not.toContain(bad.svixId)
    // The shared insert(s), then the refused one's events one at a time (how the burst splits
    // into inserts depends on timing): at least its shared insert and its insert alone, at most
    // one shared insert and one retry per event.
    expect(inserts).toBeGreaterThanOrEqual(2)
    expect(inserts).toBeLessThanOrEqual(1 + 2 * 10)
    // The one-at-a-time retries go through the same pump: never more than two inserts at once.
    expect(insertsAtOnce).toBeLessThanOrEqual(2)
  })
})
