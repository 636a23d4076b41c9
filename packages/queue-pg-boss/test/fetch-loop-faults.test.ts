import type { Logger } from '@clerk-sync/core'
import type { AppliedEvent } from '@clerk-sync/core/queue-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { type PgBossQueueOptions, pgBossQueue } from '../src/index.js'
import { createBoss, pgBossMajor, type TestBoss } from './boss.js'
import { eventually, gate, type QueueHarness, queuedEvent, queueHarness } from './harness.js'

const skip = await postgresUnavailable()

/** A logger that keeps its warnings, for tests that check what an operator is told. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return {
    warnings,
    debug() {},
    info() {},
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  }
}

/** `boss` with its `fetch` replaced by `fetch(real)`. */
function withFetch(
  boss: TestBoss,
  fetch: (real: TestBoss['fetch'], ...args: Parameters<TestBoss['fetch']>) => Promise<unknown>,
): TestBoss {
  return new Proxy(boss, {
    get(target, key) {
      const value = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      if (key !== 'fetch') return value.bind(target)
      return (...args: Parameters<TestBoss['fetch']>) => fetch(value.bind(target), ...args)
    },
  })
}

/** The fetch loops when things go wrong: a bad `apply`, a bad fetch, a stop mid-outage. */
describe.skipIf(Boolean(skip))(`pgBossQueue fetch loop faults (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  let n = 0
  const options = (more: Partial<PgBossQueueOptions> = {}): PgBossQueueOptions => ({
    name: `loop-faults-${++n}`,
    retryLimit: 2,
    retryDelaySeconds: 0,
    retryBackoff: false,
    pollIntervalMs: 50,
    logger: recordingLogger(),
    ...more,
  })
  const rows = (name: string) =>
    h.sql(`SELECT state::text AS state FROM ${h.schema}.job WHERE name = $1`, [name])

  beforeAll(async () => {
    h = await queueHarness()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('fails the batch when apply answers something other than one result per event, and goes on', async () => {
    const opts = options()
    const queue = pgBossQueue(h.boss, opts)
    expect(await queue.enqueue(queuedEvent())).toBe('queued')
    const answers: unknown[] = [
      // Two results for one event: which is whose?
      [{ ok: true }, { ok: true }],
      // No array at all.
      null,
    ]
    let calls = 0
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) => {
      calls++
      const answer = answers.shift()
      if (answer !== undefined) return answer as AppliedEvent[]
      return events.map(() => ({ ok: true }) as const)
    })
    try {
      await eventually(async () => (await rows(opts.name!)).length === 0, 10_000, 'the job applied')
    } finally {
      await handle.stop()
    }
    // Each bad answer failed the job for a retry; the third attempt applied it.
    expect(calls).toBe(3)
  })

  it('restarts a fetch loop that threw, with a warning, instead of losing it', async () => {
    const opts = options()
    const logger = opts.logger as ReturnType<typeof recordingLogger>
    let bad = true
    const boss = withFetch(h.boss, async (real, ...args) => {
      if (bad) {
        bad = false
        return undefined
      }
      return real(...args)
    })
    const queue = pgBossQueue(boss, opts)
    const event = queuedEvent()
    expect(await queue.enqueue(event)).toBe('queued')
    const applied: string[] = []
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) => {
      applied.push(...events.map((e) => e.eventId))
      return events.map(() => ({ ok: true }) as const)
    })
    try {
      await eventually(() => applied.includes(event.eventId), 10_000, 'the event applied')
    } finally {
      await handle.stop()
    }
    expect(logger.warnings.some((w) => w.includes('restarting'))).toBe(true)
  })

  it('stop() during a fetch outage does not wait out the back-off', async () => {
    const held = gate()
    let asked = 0
    const boss = withFetch(h.boss, async () => {
      asked++
      await held.wait
      throw new Error('connection refused')
    })
    // The back-off after a failed fetch would be 4 s.
    const queue = pgBossQueue(boss, options({ pollIntervalMs: 2000 }))
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) =>
      events.map(() => ({ ok: true }) as const),
    )
    await eventually(() => asked > 0, 5000, 'the first fetch')
    const stopping = handle.stop()
    held.release()
    const startedAt = Date.now()
    await stopping
    expect(Date.now() - startedAt).toBeLessThan(1500)
  })

  it('says so when the boss is stopped under a running worker, instead of idling silently', async () => {
    const boss = await createBoss({ schema: h.schema })
    await boss.start()
    const opts = options()
    const logger = opts.logger as ReturnType<typeof recordingLogger>
    const queue = pgBossQueue(boss, opts)
    const handle = await queue.work({ concurrency: 1, batchSize: 10 }, async (events) =>
      events.map(() => ({ ok: true }) as const),
    )
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(logger.warnings).toEqual([])
      await boss.stop({ graceful: false })
      // 10 fetches [] once stopped; its connection is checked at most every 5 s.
      await eventually(() => logger.warnings.length > 0, 12_000, 'a warning about the boss')
      expect(logger.warnings[0]).toMatch(/stopped|fetch failed|unreachable/)
    } finally {
      await handle.stop()
      await boss.stop({ graceful: false }).catch(() => {})
    }
  })
})
