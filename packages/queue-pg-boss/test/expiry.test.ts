import type { Logger } from '@clerk-sync/core'
import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { itOnPgBoss12, pgBossMajor, startBoss } from './boss.js'
import { eventually, type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()
const EXPIRE_IN_SECONDS = 2

/**
 * A worker that dies holding a job never settles it. pg-boss fails such a job once it has been
 * active longer than `expireInSeconds`, but only in its maintenance (every 2 minutes on 10, and
 * never in a boss started with `supervise: false`, as this one is): the adapter's worker runs the
 * expiry itself, so another worker retries the job within seconds.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue job expiry (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness

  beforeAll(async () => {
    h = await queueHarness({ queue: { expireInSeconds: EXPIRE_IN_SECONDS } })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('retries the job of a worker that stopped without settling it within seconds', async () => {
    const { payload, userId } = userCreated()
    const svixId = randomId('msg')
    expect(await h.deliver(payload, svixId)).toMatchObject({ outcome: 'queued' })

    // The dead worker: it claimed the job and will never apply, delete or fail it.
    const claimed = await h.boss.fetch(h.queueName, { batchSize: 10 })
    const claimedAt = Date.now()
    expect(claimed.map((job) => job.id)).toHaveLength(1)
    expect((await h.jobs()).map((job) => job.state)).toEqual(['active'])

    const worker = await h.sync.startWorker({ concurrency: 1, batchSize: 8, statsIntervalMs: 0 })
    try {
      await eventually(
        () => h.store.getUser(userId),
        (EXPIRE_IN_SECONDS + 6) * 1000,
        'the expired job being retried and applied',
      )
      const retriedAfterMs = Date.now() - claimedAt
      // Not before the claim expired, and within expiry + pass interval + first back-off + poll.
      expect(retriedAfterMs).toBeGreaterThanOrEqual(EXPIRE_IN_SECONDS * 1000 - 100)
      expect(retriedAfterMs).toBeLessThan((EXPIRE_IN_SECONDS + 5) * 1000)
      await eventually(async () => (await h.jobs()).length === 0, 5000, 'the job being deleted')
    } finally {
      await worker.stop()
    }
    expect(h.results.filter((r) => r.eventId === svixId)).toMatchObject([{ outcome: 'applied' }])
  })

  itOnPgBoss12(
    "warns once at worker start when 12's monitorIntervalSeconds exceeds expireInSeconds",
    async () => {
      const warnings: string[] = []
      const logger: Logger = {
        debug() {},
        info() {},
        warn: (message) => warnings.push(message),
        error: (message) => warnings.push(message),
      }
      const start = async (boss: Awaited<ReturnType<typeof startBoss>>) => {
        const queue = pgBossQueue(boss, { expireInSeconds: EXPIRE_IN_SECONDS, logger })
        const handle = await queue.work({ concurrency: 2, batchSize: 8 }, async (events) =>
          events.map(() => ({ ok: true }) as const),
        )
        await handle.stop()
      }
      // The harness's boss checks every second: nothing to say.
      await start(h.boss)
      expect(warnings).toEqual([])
      // pg-boss 12's default, 60 s: a killed worker's job would wait up to a minute.
      const slow = await startBoss({ schema: h.schema, config: { monitorIntervalSeconds: 60 } })
      try {
        await start(slow)
      } finally {
        await slow.stop({ graceful: false })
      }
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('monitorIntervalSeconds')
    },
  )
})
