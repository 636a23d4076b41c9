import { ErrorCode, silentLogger } from '@clerk-sync/core'
import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FaultProxy, startFaultProxy } from '../../../test-support/chaos/fault-proxy.js'
import { postgresUnavailable, postgresUrl } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { createBoss, pgBossMajor } from './boss.js'
import { eventually, type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/**
 * Queue mode does not help when the queue's own database is away: the job cannot be stored, so
 * the delivery is answered 500 and Svix retries it; the retry that lands after the database is
 * back is stored and applied.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue enqueue failures (pg-boss ${pgBossMajor})`, () => {
  let proxy: FaultProxy
  let h: QueueHarness

  beforeAll(async () => {
    const target = new URL(postgresUrl)
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 5432) })
    const throughProxy = new URL(postgresUrl)
    throughProxy.hostname = proxy.host
    throughProxy.port = String(proxy.port)
    h = await queueHarness({ connectionString: throughProxy.toString() })
  })
  afterAll(async () => {
    await h?.close()
    await proxy?.close()
  })

  it('answers 500 QUEUE_FAILED while the database is unreachable, and queues the retry after', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')
    // The queues exist and the pool is warm, as in a running app.
    expect((await h.sync.queueStats()).queued).toBe(0)

    const outage = proxy.outage(1500)
    const during = await h.deliver(payload, svixId)
    expect(during).toMatchObject({ status: 500, outcome: 'failed', code: ErrorCode.QUEUE_FAILED })
    expect(during.message).toContain('answered 500 so Svix retries')
    const record = await outage
    expect(record.dropped + record.refused).toBeGreaterThan(0)
    expect(await h.jobs()).toEqual([])

    // Svix's retry, once the database is back.
    expect(await h.deliver(payload, svixId)).toMatchObject({ status: 200, outcome: 'queued' })
    const worker = await h.sync.startWorker({ concurrency: 1, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(() => h.store.getUser(userId), 10_000, 'the retried delivery being applied')
    } finally {
      await worker.stop()
    }
  })

  it('refuses to enqueue on a boss not started yet, and works once it is', async () => {
    const boss = await createBoss({ schema: h.schema })
    try {
      const queue = pgBossQueue(boss, { name: 'before-start', logger: silentLogger })
      const event = {
        eventId: randomId('msg'),
        eventType: 'user.created' as const,
        userId: randomId('user'),
        payload: {},
        receivedAt: Date.now(),
      }
      // Not a silent success: pg-boss 10 answers nothing at all on a closed connection.
      await expect(queue.enqueue(event)).rejects.toThrow()
      await boss.start()
      expect(await queue.enqueue(event)).toBe('queued')
      expect(await queue.enqueue(event)).toBe('already-queued')
    } finally {
      await boss.stop({ graceful: false })
    }
  })

  it('answers 500 QUEUE_FAILED when the app has stopped its boss', async () => {
    const { payload } = userCreated()
    await h.boss.stop({ graceful: false })
    expect(await h.deliver(payload, randomId('msg'))).toMatchObject({
      status: 500,
      outcome: 'failed',
      code: ErrorCode.QUEUE_FAILED,
    })
  })
})
