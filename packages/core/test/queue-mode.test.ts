import {
  type ClerkSyncOptions,
  createClerkSync,
  type DefaultRole,
  ErrorCode,
  MemoryStore,
  type WebhookResult,
} from '@clerk-sync/core'
import type { EnqueueOutcome, QueuedEvent, QueueStats } from '@clerk-sync/core/queue-kit'
import {
  clerkUser,
  generateSigningSecret,
  signedWebhookRequest,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
  webhookBodyText,
} from '@clerk-sync/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { captureLogger, deliver, watchProcessFailures } from './helpers.js'
import { ArrayQueue } from './queue-array-queue.js'

/** A MemoryStore that records every method called on it, to prove the webhook path leaves it alone. */
function recordingStore() {
  const store = new MemoryStore<DefaultRole>()
  const calls: string[] = []
  const recording = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      return (...args: unknown[]) => {
        calls.push(property)
        return value.apply(target, args)
      }
    },
  })
  return { store, recording, calls }
}

function setupQueued(options: Partial<ClerkSyncOptions<DefaultRole>> = {}) {
  const secret = generateSigningSecret()
  const queue = new ArrayQueue()
  const { store, recording, calls } = recordingStore()
  const log = captureLogger()
  const results: WebhookResult<DefaultRole>[] = []
  const sync = createClerkSync<DefaultRole>({
    signingSecret: secret,
    store: recording,
    queue,
    logger: log.logger,
    onEvent: (result) => {
      results.push(structuredClone(result))
    },
    ...options,
  })
  return { secret, queue, store, calls, log, results, sync }
}

const T = Date.UTC(2026, 5, 1)

afterEach(() => {
  vi.useRealTimers()
})

describe('queue mode: the webhook', () => {
  it('stores the verified event as sent, answers 200 queued, and never calls the store', async () => {
    const { sync, secret, queue, store, calls, results } = setupQueued()
    await Promise.resolve() // the start-up schema check
    calls.length = 0
    const user = clerkUser({ emails: ['ada@example.com'], updatedAt: T })
    const event = userCreatedEvent(user)
    const before = Date.now()
    const response = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: event, id: 'msg_q1' }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'queued', eventId: 'msg_q1' })
    expect(calls).toEqual([])
    expect(store.snapshot().events.size).toBe(0)
    expect(queue.waiting).toHaveLength(1)
    const job = queue.waiting[0]
    expect(job).toMatchObject({ eventId: 'msg_q1', eventType: 'user.created', userId: user.id })
    expect(job?.payload).toEqual(JSON.parse(webhookBodyText(event)))
    // No tracer provider, so no trace context rides along.
    expect(job).not.toHaveProperty('traceparent')
    expect(job?.receivedAt).toBeGreaterThanOrEqual(before)
    expect(job?.receivedAt).toBeLessThanOrEqual(Date.now())
    expect(results).toMatchObject([{ status: 200, outcome: 'queued', eventId: 'msg_q1' }])
    expect(results[0]?.queue).toBeUndefined()
  })

  it('logs the queued answer once, at info', async () => {
    const { sync, secret, log } = setupQueued()
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret, id: 'msg_log' })
    const lines = log.lines.filter((line) => line.fields?.eventId === 'msg_log')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ level: 'info', fields: { outcome: 'queued', status: 200 } })
  })

  it('answers 500 QUEUE_FAILED when the job cannot be stored; nothing is written or leaked', async () => {
    const { sync, secret, queue, store, log } = setupQueued()
    queue.enqueueOverride = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432\n    at query'), {
        code: 'ECONNREFUSED',
      })
    }
    const user = clerkUser({ updatedAt: T })
    const response = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: userCreatedEvent(user), id: 'msg_down' }),
    )
    expect(response.status).toBe(500)
    const body = await response.json()
    expect(body).toMatchObject({ outcome: 'failed', code: ErrorCode.QUEUE_FAILED })
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED')
    expect(await store.getUser(user.id)).toBeNull()
    const error = log.lines.find((line) => line.level === 'error')
    expect(error?.message).toBe(
      `Error queueing event msg_down for user ${user.id}: connect ECONNREFUSED 127.0.0.1:5432 (ECONNREFUSED); answered 500 so Svix retries`,
    )
  })

  it('answers 500 QUEUE_FAILED at queueTimeoutMs when the queue never answers; a late commit then collapses as duplicate', async () => {
    const { sync, secret, queue } = setupQueued({ queueTimeoutMs: 100 })
    const event = userCreatedEvent(clerkUser({ updatedAt: T }))
    let commitLate = () => {}
    queue.enqueueOverride = (job) =>
      new Promise((resolve) => {
        commitLate = () => {
          queue.waiting.push(job)
          resolve('queued')
        }
      })
    const started = performance.now()
    const result = await deliver(sync, event, { secret, id: 'msg_silent' })
    const tookMs = performance.now() - started
    expect(result).toMatchObject({ status: 500, outcome: 'failed', code: ErrorCode.QUEUE_FAILED })
    expect(result.message).toContain('array queue (test) did not store the job within 100 ms')
    expect(tookMs).toBeGreaterThanOrEqual(95)
    expect(tookMs).toBeLessThan(2000)

    // The database wakes up and commits the job after all: Svix's retry is a duplicate.
    commitLate()
    queue.enqueueOverride = undefined
    expect(await deliver(sync, event, { secret, id: 'msg_silent' })).toMatchObject({
      status: 200,
      outcome: 'duplicate',
    })
    expect(queue.waiting).toHaveLength(1)
  })

  it('answers 500 QUEUE_FAILED when enqueue throws synchronously', async () => {
    const { sync, secret, queue } = setupQueued()
    queue.enqueue = () => {
      throw new Error('pool is closed')
    }
    const result = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    expect(result).toMatchObject({ status: 500, code: ErrorCode.QUEUE_FAILED })
    expect(result.message).toContain('pool is closed')
  })

  it('answers 500 QUEUE_FAILED when the adapter answers something outside the contract', async () => {
    const { sync, secret, queue } = setupQueued()
    for (const answer of [undefined, 'toString', 'done']) {
      queue.enqueueOverride = async () => answer as unknown as EnqueueOutcome
      const result = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
      expect(result).toMatchObject({ status: 500, code: ErrorCode.QUEUE_FAILED })
      expect(result.message).toContain(`answered enqueue with ${String(answer)}`)
    }
  })

  it('answers a redelivery of a waiting job 200 duplicate, and keeps one job', async () => {
    const { sync, secret, queue } = setupQueued()
    const event = userCreatedEvent(clerkUser({ updatedAt: T }))
    expect((await deliver(sync, event, { secret, id: 'msg_twice' })).outcome).toBe('queued')
    const again = await deliver(sync, event, { secret, id: 'msg_twice' })
    expect(again).toMatchObject({ status: 200, outcome: 'duplicate' })
    expect(again.message).toBe('Event msg_twice is already queued; skipped')
    expect(queue.waiting).toHaveLength(1)
  })

  it('re-queues a redelivery of a dead-lettered event (200 queued, never "done"), which then applies', async () => {
    let mapUserDown = true
    const { sync, secret, queue, store } = setupQueued({
      mapUser: () => {
        if (mapUserDown) throw new Error('plan service down')
        return undefined
      },
    })
    const user = clerkUser({ updatedAt: T })
    const event = userCreatedEvent(user)
    await deliver(sync, event, { secret, id: 'msg_dead' })
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    await queue.runBatch()
    await queue.runBatch()
    expect(queue.dead.map((job) => job.eventId)).toEqual(['msg_dead'])

    const redelivery = await deliver(sync, event, { secret, id: 'msg_dead' })
    expect(redelivery).toMatchObject({ status: 200, outcome: 'queued' })
    expect(redelivery.message).toBe(
      `Event msg_dead was dead-lettered; queued again for user ${user.id}`,
    )
    mapUserDown = false
    expect(await queue.runBatch()).toEqual([{ ok: true }])
    expect(await store.getUser(user.id)).not.toBeNull()
    await worker.stop()
  })

  it('still answers an unhandled event type 200 ignored without queueing it', async () => {
    const { sync, secret, queue } = setupQueued()
    const result = await deliver(
      sync,
      { type: 'session.created', object: 'event', data: { id: 'sess_1' } },
      { secret },
    )
    expect(result).toMatchObject({ status: 200, outcome: 'ignored' })
    expect(queue.waiting).toHaveLength(0)
  })

  it("answers clerk-sync check's probe with the queue's state too", async () => {
    const { sync, secret, queue } = setupQueued()
    const probe = { type: 'clerk-sync.check', object: 'event', data: {} }
    const ready = await deliver(sync, probe, { secret })
    expect(ready).toMatchObject({ status: 200, outcome: 'ignored' })
    expect(ready.message).toContain('the queue (array queue (test)) answered')
    queue.statsOverride = async () => {
      throw new Error('relation "pgboss.job" does not exist')
    }
    const down = await deliver(sync, probe, { secret })
    expect(down).toMatchObject({ status: 500, outcome: 'failed', code: ErrorCode.QUEUE_FAILED })
    expect(down.message).toBe(
      'The queue (array queue (test)) did not answer: relation "pgboss.job" does not exist',
    )
  })
})

describe('queue mode: the worker', () => {
  it('applies queued events through the guarded write and reports each with its delay', async () => {
    const { sync, secret, queue, store, calls, results } = setupQueued()
    const ada = clerkUser({ emails: ['ada@example.com'], updatedAt: T })
    const bob = clerkUser({ emails: ['bob@example.com'], updatedAt: T })
    await deliver(sync, userCreatedEvent(ada), { secret, id: 'msg_ada' })
    await deliver(sync, userCreatedEvent(bob), { secret, id: 'msg_bob' })
    const receivedAt = queue.waiting[0]?.receivedAt
    results.length = 0
    calls.length = 0

    const worker = await sync.startWorker({ concurrency: 3, batchSize: 10, statsIntervalMs: 0 })
    expect(queue.worker?.options).toEqual({ concurrency: 3, batchSize: 10 })
    expect(await queue.runBatch()).toEqual([{ ok: true }, { ok: true }])
    // An older version, queued after: the version guard makes it stale, and the job is done.
    await deliver(sync, userUpdatedEvent({ ...ada, updated_at: T - 1 }), { secret, id: 'msg_old' })
    expect(await queue.runBatch()).toEqual([{ ok: true }])
    expect((await store.getUser(ada.id))?.email).toBe('ada@example.com')
    expect((await store.getUser(bob.id))?.email).toBe('bob@example.com')
    // The per-event write, never the bulk import path (which records no svix-id).
    expect(calls).not.toContain('upsertUsers')
    expect(store.snapshot().events.get('msg_ada')?.receivedAt.getTime()).toBe(receivedAt)

    const byEvent = results.filter((r) => r.outcome !== 'queued')
    expect(byEvent.map((r) => [r.eventId, r.outcome]).sort()).toEqual([
      ['msg_ada', 'applied'],
      ['msg_bob', 'applied'],
      ['msg_old', 'stale'],
    ])
    for (const result of byEvent) {
      expect(result.queue?.delayMs).toBeGreaterThanOrEqual(0)
      expect(result.queue?.delayMs).toBeLessThan(10_000)
    }
    // A redelivery after the job is done goes through the queue again; the store's record wins.
    await deliver(sync, userCreatedEvent(ada), { secret, id: 'msg_ada' })
    await queue.runBatch()
    expect(results.at(-1)).toMatchObject({ eventId: 'msg_ada', outcome: 'duplicate' })
    await worker.stop()
  })

  it('fails a job whose write fails (5xx) so the queue retries it, and applies the retry', async () => {
    let failures = 1
    const { sync, secret, queue, store, results } = setupQueued({
      mapUser: () => {
        if (failures-- > 0) throw new Error('plan service down')
        return undefined
      },
    })
    const user = clerkUser({ updatedAt: T })
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_retry' })
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    const [first] = await queue.runBatch()
    expect(first?.ok).toBe(false)
    const error = (first as { error: unknown }).error
    expect(error).toMatchObject({ code: ErrorCode.MAP_USER_FAILED })
    expect(String((error as Error).message)).toContain('plan service down')
    expect(results.at(-1)).toMatchObject({ outcome: 'failed', status: 500 })
    expect(await store.getUser(user.id)).toBeNull()

    expect(await queue.runBatch()).toEqual([{ ok: true }])
    expect(await store.getUser(user.id)).not.toBeNull()
    await worker.stop()
  })

  it('fails a job that is not a clerk-sync event (EVENT_INVALID) without failing its batch', async () => {
    const { sync, secret, queue, store } = setupQueued()
    const user = clerkUser({ updatedAt: T })
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_good' })
    queue.waiting.push({
      eventId: 'msg_foreign',
      eventType: 'user.created',
      userId: 'user_x',
      payload: { type: 'user.created', data: { id: 'user_x' } },
      receivedAt: Date.now(),
    })
    queue.waiting.push({ payload: {} } as unknown as QueuedEvent)
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    const applied = await queue.runBatch()
    expect(applied[0]).toEqual({ ok: true })
    expect(applied[1]).toMatchObject({ ok: false, error: { code: ErrorCode.EVENT_INVALID } })
    expect(String((applied[1] as { error: Error }).error.message)).toContain('updated_at')
    expect(applied[2]).toMatchObject({ ok: false, error: { code: ErrorCode.EVENT_INVALID } })
    expect(await store.getUser(user.id)).not.toBeNull()
    await worker.stop()
  })

  it('applies a job hours after its delivery: no signature check, so no timestamp tolerance', async () => {
    const { sync, secret, queue, store, results } = setupQueued()
    const user = clerkUser({ updatedAt: T })
    const request = () =>
      signedWebhookRequest({ secret, body: userCreatedEvent(user), id: 'msg_late' })
    const delivered = request()
    expect((await sync.handleWebhook(delivered.clone())).status).toBe(200)

    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 3 * 60 * 60 * 1000)
    // The same signed delivery, verified now, is far outside the 300 s tolerance…
    const refused = await sync.handleWebhook(delivered)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ code: ErrorCode.TIMESTAMP_INVALID })
    // …but its job, stored when it was fresh, applies.
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    expect(await queue.runBatch()).toEqual([{ ok: true }])
    expect(await store.getUser(user.id)).not.toBeNull()
    expect(results.at(-1)?.queue?.delayMs).toBeGreaterThanOrEqual(3 * 60 * 60 * 1000)
    await worker.stop()
  })

  it("dates a user.deleted by its envelope timestamp, or else by the webhook's receipt, not the worker's clock", async () => {
    const { sync, secret, queue, store } = setupQueued()
    const dated = clerkUser({ updatedAt: T })
    const undated = clerkUser({ updatedAt: T })
    const deletedAt = T + 60_000
    await deliver(sync, userDeletedEvent(dated.id, { timestamp: deletedAt }), { secret })
    const { timestamp: _dropped, ...noTimestamp } = userDeletedEvent(undated.id)
    await deliver(sync, noTimestamp, { secret })
    const receivedAt = queue.waiting[1]?.receivedAt as number

    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(receivedAt + 60 * 60 * 1000)
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    expect(await queue.runBatch()).toEqual([{ ok: true }, { ok: true }])
    const state = store.snapshot().syncState
    expect(state.get(dated.id)?.deletedAt?.getTime()).toBe(deletedAt)
    expect(state.get(undated.id)?.deletedAt?.getTime()).toBe(receivedAt)
    await worker.stop()
  })

  it('links an imported user in the worker, before its write, and not on the webhook path', async () => {
    const links: Array<{ appId: string; clerkId: string; storedBefore: boolean }> = []
    const context = setupQueued({
      linkLegacyUser: async (appId, clerkId) => {
        links.push({
          appId,
          clerkId,
          storedBefore: (await context.store.getUser(clerkId)) !== null,
        })
      },
    })
    const { sync, secret, queue, store } = context
    const user = { ...clerkUser({ updatedAt: T }), external_id: 'app-42' }
    await deliver(sync, userCreatedEvent(user), { secret })
    expect(links).toEqual([])
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    await queue.runBatch()
    expect(links).toEqual([{ appId: 'app-42', clerkId: user.id, storedBefore: false }])
    expect(await store.getUser(user.id)).not.toBeNull()
    await worker.stop()
  })

  it("hands onEvent the queue's latest stats sample with each result", async () => {
    const { sync, secret, queue, results } = setupQueued()
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret, id: 'msg_s1' })
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret, id: 'msg_s2' })
    const worker = await sync.startWorker({ statsIntervalMs: 100 })
    await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThan(0))
    await new Promise((resolve) => setTimeout(resolve, 20))
    await queue.runBatch()
    const applied = results.filter((r) => r.outcome === 'applied')
    expect(applied).toHaveLength(2)
    for (const result of applied) {
      expect(result.queue?.stats).toMatchObject({ queued: 2, active: 0, dead: 0 })
      expect(result.queue?.stats?.oldestQueuedAgeMs).toBeGreaterThanOrEqual(0)
      expect(result.queue?.stats?.sampledAt).toBeInstanceOf(Date)
    }
    await worker.stop()
  })

  it('samples one stats() at a time, logs a failed sample, and stops sampling once stopped', async () => {
    const { sync, queue, log } = setupQueued()
    let release: (stats: QueueStats) => void = () => {}
    queue.statsOverride = () =>
      new Promise((resolve) => {
        release = resolve
      })
    const worker = await sync.startWorker({ statsIntervalMs: 100 })
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect(queue.statsCalls).toBe(1)
    release({ queued: 0, active: 0, dead: 0, oldestQueuedAgeMs: null })

    queue.statsOverride = async () => {
      throw new Error('stats query timed out')
    }
    await vi.waitFor(() =>
      expect(log.text()).toContain(
        'Queue stats could not be read from array queue (test): stats query timed out',
      ),
    )
    const stopping = worker.stop()
    expect(worker.stop()).toBe(stopping)
    await stopping
    expect(queue.worker?.stops).toBe(1)
    const calls = queue.statsCalls
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(queue.statsCalls).toBe(calls)
    expect(log.text()).toContain('Queue worker stopped on array queue (test)')
  })

  it('survives a logger that throws while reporting a failed stats sample', async () => {
    const watch = watchProcessFailures()
    const { sync, queue } = setupQueued({
      logger: {
        ...captureLogger().logger,
        warn: () => {
          throw new Error('log sink closed')
        },
      },
    })
    queue.statsOverride = async () => {
      throw new Error('stats query timed out')
    }
    try {
      const worker = await sync.startWorker({ statsIntervalMs: 100 })
      await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThanOrEqual(3))
      await worker.stop()
      expect(watch.failures).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it('survives a stats() that throws synchronously, on start and on every tick, and logs it', async () => {
    const watch = watchProcessFailures()
    const { sync, queue, log } = setupQueued()
    queue.stats = () => {
      queue.statsCalls++
      throw Object.assign(new Error('pool destroyed for ann@example.com\n  at query'), {
        code: '57P01',
      })
    }
    try {
      const worker = await sync.startWorker({ statsIntervalMs: 100 })
      await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThanOrEqual(3))
      await worker.stop()
      expect(watch.failures).toEqual([])
      // describeStoreError: first line only, the email masked, the driver's code.
      expect(log.text()).toContain(
        'Queue stats could not be read from array queue (test): pool destroyed for [email] (57P01)',
      )
      expect(log.text()).not.toContain('at query')
    } finally {
      watch.stop()
    }
  })

  it('refuses a queue whose work() handle has no stop function, with QUEUE_FAILED', async () => {
    const { sync, queue } = setupQueued()
    queue.work = async () => ({}) as never
    await expect(sync.startWorker({ statsIntervalMs: 100 })).rejects.toMatchObject({
      code: ErrorCode.QUEUE_FAILED,
      message: expect.stringContaining('without a stop() function'),
    })
    const calls = queue.statsCalls
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(queue.statsCalls).toBe(calls)
  })

  it('refuses bad startWorker options with CONFIG_INVALID before starting anything', async () => {
    const { sync, queue } = setupQueued()
    for (const options of [
      { concurrency: 0 },
      { concurrency: 1.5 },
      { batchSize: Number.NaN },
      { batchSize: '64' },
      { statsIntervalMs: 50 },
      { statsIntervalMs: Number.POSITIVE_INFINITY },
      { statsIntervalMs: -1 },
      null,
    ]) {
      await expect(
        sync.startWorker(options as never),
        JSON.stringify(options),
      ).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID })
    }
    expect(queue.worker).toBeUndefined()
    expect(queue.statsCalls).toBe(0)
  })

  it('stops sampling when the engine refuses to start the worker', async () => {
    const { sync, queue } = setupQueued()
    queue.work = async () => {
      throw new Error('queue does not exist')
    }
    await expect(sync.startWorker({ statsIntervalMs: 100 })).rejects.toThrow('queue does not exist')
    const calls = queue.statsCalls
    await new Promise((resolve) => setTimeout(resolve, 250))
    expect(queue.statsCalls).toBe(calls)
  })
})

describe('queue mode: configuration', () => {
  const secret = generateSigningSecret()

  it('refuses a queue that is not an EventQueue (a raw engine, null, no description)', () => {
    const rawEngine = { work() {}, send() {}, start() {}, stop() {} }
    const noDescription = { enqueue() {}, work() {}, stats() {}, replayDead() {} }
    for (const queue of [rawEngine, null, 'pg-boss', noDescription]) {
      expect(() =>
        createClerkSync({ signingSecret: secret, store: new MemoryStore(), queue: queue as never }),
      ).toThrowError(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID }))
    }
    expect(() =>
      createClerkSync({
        signingSecret: secret,
        store: new MemoryStore(),
        queue: rawEngine as never,
      }),
    ).toThrow(/lacks enqueue, stats, replayDead, description/)
  })

  it('refuses a queueTimeoutMs that is not an integer from 1 to 2147483647', () => {
    for (const queueTimeoutMs of [0, -1, 1.5, Number.NaN, '10000', 2 ** 31]) {
      expect(
        () =>
          createClerkSync({
            signingSecret: secret,
            store: new MemoryStore(),
            queue: new ArrayQueue(),
            queueTimeoutMs: queueTimeoutMs as never,
          }),
        String(queueTimeoutMs),
      ).toThrowError(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID }))
    }
  })

  it('answers startWorker, queueStats and replayDeadEvents without a queue with QUEUE_MODE_REQUIRED', async () => {
    const sync = createClerkSync({ signingSecret: secret, store: new MemoryStore() })
    for (const call of [
      () => sync.startWorker(),
      () => sync.queueStats(),
      () => sync.replayDeadEvents(),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: ErrorCode.QUEUE_MODE_REQUIRED,
        message: expect.stringContaining('needs queue mode'),
      })
    }
  })

  it('passes queueStats and replayDeadEvents through to the queue', async () => {
    const { sync, queue } = setupQueued()
    queue.dead.push({
      eventId: 'msg_x',
      eventType: 'user.deleted',
      userId: 'user_x',
      payload: {},
      receivedAt: Date.now() - 1000,
    })
    expect(await sync.queueStats()).toEqual({
      queued: 0,
      active: 0,
      dead: 1,
      oldestQueuedAgeMs: null,
    })
    expect(await sync.replayDeadEvents({ limit: 5 })).toBe(1)
    expect((await sync.queueStats()).queued).toBe(1)
    queue.dead.push(...queue.waiting.splice(0))
    queue.dead.push({ ...(queue.dead[0] as QueuedEvent), eventId: 'msg_y' })
    expect(await sync.replayDeadEvents()).toBe(2)
    expect(queue.dead).toEqual([])
  })
})
