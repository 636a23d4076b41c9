import { silentLogger } from '@clerk-sync/core'
import type { AppliedEvent, EventQueue } from '@clerk-sync/core/queue-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { pgBossMajor } from './boss.js'
import { eventually, gate, type QueueHarness, queuedEvent, queueHarness } from './harness.js'

const skip = await postgresUnavailable()

/** The fetch loops on their own, through the EventQueue contract with hand-written `apply`s. */
describe.skipIf(Boolean(skip))(`pgBossQueue fetch loops (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  let n = 0
  /** A queue of its own per test, on the harness's boss and schema. */
  const freshQueue = (): { queue: EventQueue; name: string } => {
    const name = `worker-test-${++n}`
    const queue = pgBossQueue(h.boss, {
      name,
      retryLimit: 2,
      retryDelaySeconds: 0,
      retryBackoff: false,
      pollIntervalMs: 50,
      logger: silentLogger,
    })
    return { queue, name }
  }
  const rows = (name: string) =>
    h.sql(`SELECT state::text AS state, data FROM ${h.schema}.job WHERE name = $1`, [name])

  beforeAll(async () => {
    h = await queueHarness()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('applies a batch once, deletes the applied jobs and fails the others for a retry', async () => {
    const { queue, name } = freshQueue()
    const good = queuedEvent()
    const flaky = queuedEvent()
    expect(await queue.enqueue(good)).toBe('queued')
    expect(await queue.enqueue(flaky)).toBe('queued')

    const batches: string[][] = []
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) => {
      batches.push(events.map((event) => event.eventId))
      return events.map((event): AppliedEvent => {
        const firstTry = batches.length === 1
        return event.eventId === flaky.eventId && firstTry
          ? { ok: false, error: new Error('flaky write') }
          : { ok: true }
      })
    })
    try {
      await eventually(async () => (await rows(name)).length === 0, 10_000, 'both jobs settled')
    } finally {
      await handle.stop()
    }
    // One batch of both (in any order: pg-boss returns a claimed batch unordered), then the retry.
    expect(batches.map((ids) => [...ids].sort())).toEqual([
      [good.eventId, flaky.eventId].sort(),
      [flaky.eventId],
    ])
  })

  it('fails the whole batch when apply throws, and keeps a job that is not an event out of it', async () => {
    const { queue, name } = freshQueue()
    const event = queuedEvent()
    expect(await queue.enqueue(event)).toBe('queued')
    // Sent by something else than clerk-sync's webhook: no eventId, no payload.
    await h.boss.send(name, { hello: 'world' }, {})

    let calls = 0
    const seen: number[] = []
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) => {
      calls++
      seen.push(events.length)
      if (calls === 1) throw new Error('apply blew up')
      return events.map(() => ({ ok: true }) as const)
    })
    try {
      await eventually(
        async () => (await rows(name)).every((row) => row.state === 'failed'),
        10_000,
        'the event applied and the stray job failed for good',
      )
    } finally {
      await handle.stop()
    }
    // The stray job never reached apply; the event did, twice (the throw failed it once).
    expect(seen).toEqual([1, 1])
    const left = await rows(name)
    expect(left).toEqual([{ state: 'failed', data: { hello: 'world' } }])
    // Dead-lettered like any job out of retries, and left there by a replay: it is no event.
    expect((await queue.stats()).dead).toBe(1)
    expect(await queue.replayDead()).toBe(0)
  })

  it('stop() waits for the batch in hand to be applied and settled', async () => {
    const { queue, name } = freshQueue()
    expect(await queue.enqueue(queuedEvent())).toBe('queued')
    const hold = gate()
    const reached = gate()
    const handle = await queue.work({ concurrency: 2, batchSize: 10 }, async (events) => {
      reached.release()
      await hold.wait
      return events.map(() => ({ ok: true }) as const)
    })
    await reached.wait
    let stopped = false
    const stopping = handle.stop().then(() => {
      stopped = true
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(stopped).toBe(false)
    expect((await rows(name)).map((row) => row.state)).toEqual(['active'])
    hold.release()
    await stopping
    expect(await rows(name)).toEqual([])
  })

  it('asks again within tens of ms after finding jobs, not a whole pollIntervalMs later', async () => {
    const name = `worker-test-${++n}`
    const queue = pgBossQueue(h.boss, { name, pollIntervalMs: 20_000, logger: silentLogger })
    const first = queuedEvent()
    expect(await queue.enqueue(first)).toBe('queued')
    const applied = new Map<string, number>()
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) => {
      for (const event of events) applied.set(event.eventId, Date.now())
      return events.map((): AppliedEvent => ({ ok: true }))
    })
    try {
      // The first fetch finds it at once; the next event of the stream arrives just after.
      await eventually(() => applied.has(first.eventId), 5000, 'the first event being applied')
      await new Promise((resolve) => setTimeout(resolve, 30))
      const next = queuedEvent()
      expect(await queue.enqueue(next)).toBe('queued')
      const enqueuedAt = Date.now()
      await eventually(() => applied.has(next.eventId), 10_000, 'the next event being applied')
      // Within the short waits that follow a busy fetch (tens of ms; bound generous for a loaded
      // machine), not a whole 20 s interval later.
      expect(applied.get(next.eventId)! - enqueuedAt).toBeLessThan(5000)
    } finally {
      await handle.stop()
    }
  })
})
