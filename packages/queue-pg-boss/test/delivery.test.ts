import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossMajor } from './boss.js'
import { eventually, gate, type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/**
 * A delivery is acknowledged once its job is stored, applied by a worker through the store's
 * guarded write, and its job deleted. A redelivery of the same `svix-id` collapses onto that job
 * while it waits or runs; after it ran, the job is gone and the store's event record answers.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue deliveries (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  // Lets a test hold a commit of the MemoryStore until it opens the gate.
  let beforeCommit: ((eventId: string | null) => Promise<void>) | undefined

  beforeAll(async () => {
    h = await queueHarness({
      memory: { beforeCommit: async ({ eventId }) => beforeCommit?.(eventId) },
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  const resultsFor = (svixId: string) => h.results.filter((r) => r.eventId === svixId)

  it('answers queued once the job is stored, applies it in the worker, then deletes the job', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')

    const answer = await h.deliver(payload, svixId)
    expect(answer).toMatchObject({ status: 200, outcome: 'queued', eventId: svixId })
    const stored = await h.jobs()
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ name: h.queueName, state: 'created' })
    expect(stored[0]?.data).toMatchObject({ eventId: svixId, userId })
    expect(await h.store.getUser(userId)).toBeNull()

    const worker = await h.sync.startWorker({ concurrency: 2, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(() => h.store.getUser(userId), 10_000, 'the worker applying the event')
      // Deleted, not kept as `completed`: the job's data is the user's personal data.
      await eventually(async () => (await h.jobs()).length === 0, 5000, 'the job being deleted')
    } finally {
      await worker.stop()
    }
    expect(resultsFor(svixId)).toMatchObject([{ status: 200, outcome: 'applied', userId }])
    expect(resultsFor(svixId)[0]?.queue?.delayMs).toBeGreaterThanOrEqual(0)
  })

  it('collapses a redelivery while the job waits: one job, applied once', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')

    expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'queued' })
    expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(await h.jobs()).toHaveLength(1)

    const worker = await h.sync.startWorker({ concurrency: 2, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(() => h.store.getUser(userId), 10_000, 'the worker applying the event')
      await eventually(async () => (await h.jobs()).length === 0, 5000, 'the job being deleted')
    } finally {
      await worker.stop()
    }
    expect(resultsFor(svixId)).toMatchObject([{ outcome: 'applied' }])
  })

  it('collapses a redelivery while the job runs: the held job applies it once', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')
    const hold = gate()
    const reached = gate()
    beforeCommit = async (eventId) => {
      if (eventId !== svixId) return
      reached.release()
      await hold.wait
    }

    expect(await h.deliver(payload, svixId)).toMatchObject({ outcome: 'queued' })
    const worker = await h.sync.startWorker({ concurrency: 1, batchSize: 8, statsIntervalMs: 0 })
    try {
      await reached.wait
      expect((await h.jobs()).map((job) => job.state)).toEqual(['active'])
      expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'duplicate' })
      expect(await h.jobs()).toHaveLength(1)
      hold.release()
      await eventually(() => h.store.getUser(userId), 10_000, 'the held job applying the event')
      await eventually(async () => (await h.jobs()).length === 0, 5000, 'the job being deleted')
    } finally {
      hold.release()
      beforeCommit = undefined
      await worker.stop()
    }
    expect(resultsFor(svixId)).toMatchObject([{ outcome: 'applied' }])
  })

  it('queues a redelivery after the job ran again, and the store answers it as a duplicate', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')

    expect(await h.deliver(payload, svixId)).toMatchObject({ outcome: 'queued' })
    const worker = await h.sync.startWorker({ concurrency: 2, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(async () => (await h.jobs()).length === 0, 10_000, 'the first job ran')
      const applied = await h.store.getUser(userId)
      expect(applied).not.toBeNull()

      // The job is deleted, so nothing holds its id: the event is stored again, never dropped.
      expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'queued' })
      await eventually(() => resultsFor(svixId).length === 2, 10_000, 'the second job ran')
      await eventually(async () => (await h.jobs()).length === 0, 5000, 'the job being deleted')
      expect(await h.store.getUser(userId)).toEqual(applied)
    } finally {
      await worker.stop()
    }
    expect(resultsFor(svixId).map((r) => r.outcome)).toEqual(['applied', 'duplicate'])
  })
})
