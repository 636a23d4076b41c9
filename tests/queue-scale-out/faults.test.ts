/**
 * Issue 15, proof 2: queue mode under faults, with two web and two worker processes on one
 * Postgres (test-support/queue/queue-deployment.ts).
 * (a) A worker SIGKILLed while it holds a job, once before the write (in mapUser) and once after
 *     it committed (in onEvent, before the job is marked done): pg-boss expires the job and
 *     another worker (or the restarted one) runs it within seconds; the event is applied once —
 *     one role audit entry for its svix-id.
 * (b) Postgres unreachable for a few seconds (every connection reset, new ones refused, by a TCP
 *     proxy in front of it): the web processes answer 5xx, Svix's retries (the emulator's schedule,
 *     scaled) land after it returns, and the database ends equal to Clerk's users.
 */
import { createClerkClient } from '@clerk/backend'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runLoad } from '../../test-support/chaos/load.js'
import { seededRandom } from '../../test-support/chaos/random.js'
import { timeScaleFor } from '../../test-support/chaos/scenario.js'
import { checkConvergence } from '../../test-support/chaos/verify.js'
import { postgresUnavailable } from '../../test-support/databases.js'
import {
  type QueueDeployment,
  startQueueDeployment,
} from '../../test-support/queue/queue-deployment.js'
import { readStoreView } from '../../test-support/queue/store-view.js'
import { type HoldPoint, holdUser } from '../../test-support/queue/worker-hold.js'

const skip = await postgresUnavailable()
const seed = Number(process.env.CLERK_SYNC_QUEUE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const OUTAGE_MS = 3000
/** pg-boss fails a job held longer than this (a killed worker's) and retries it. */
const EXPIRE_SECONDS = 3
/**
 * The longest a killed worker's job can take to run again, from the configured intervals: its
 * expiry, then the worker's next expiry pass (every third of the expiry, at least 1 s:
 * packages/queue-pg-boss/src/expiry-passes.ts), the first retry's delay (retryDelaySeconds 1 in
 * test-support/queue/queue-app.ts, with the adapter's default back-off, whose jitter makes the first
 * delay up to twice that) and a fetch poll (the adapter's default pollIntervalMs, 250).
 */
const EXPIRY_PASS_MS = Math.max(1000, (EXPIRE_SECONDS * 1000) / 3)
const RETRY_DELAY_MS = 2 * 1000
const POLL_MS = 250
const RETRY_WITHIN_MS = EXPIRE_SECONDS * 1000 + EXPIRY_PASS_MS + RETRY_DELAY_MS + POLL_MS
/** Twice that: the busy 2-core machine, the job's own write, and drain()'s polling. */
const RETRY_BOUND_MS = 2 * RETRY_WITHIN_MS

describe.skipIf(!!skip)('queue mode under faults: 2 web + 2 worker processes', () => {
  let deployment: QueueDeployment | undefined

  beforeAll(async () => {
    deployment = await startQueueDeployment({
      web: 2,
      workers: 2,
      expireInSeconds: EXPIRE_SECONDS,
      // Svix's whole retry schedule stretched to six times the outage: 18 s.
      emulator: { timeScale: timeScaleFor(OUTAGE_MS), jitter: 5, concurrency: 16, seed },
    })
  }, 60_000)

  afterAll(async () => {
    await deployment?.close()
  }, 30_000)

  it('a worker SIGKILLed mid-job: another worker runs the job within seconds, the event is applied once', async () => {
    const { emulator, cluster, store, db, queue, holdDir } = deployment!
    const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
    const report: string[] = []

    for (const point of ['before-write', 'after-write'] as HoldPoint[]) {
      const user = await clerk.users.createUser({
        emailAddress: [`killed-${point}@example.test`],
        firstName: 'Killed',
        publicMetadata: { role: 'client' },
      })
      await vi.waitFor(async () => expect(await store.getUser(user.id)).not.toBeNull(), {
        timeout: 10_000,
        interval: 50,
      })

      const hold = await holdUser(holdDir, point, user.id)
      await clerk.users.updateUserMetadata(user.id, { publicMetadata: { role: 'admin' } })
      const pid = await hold.entered()
      const eventId = emulator
        .events()
        .filter(
          (e) => e.type === 'user.updated' && (e.payload.data as { id: string }).id === user.id,
        )
        .at(-1)?.messageId
      const auditEntries = async () =>
        Number(
          (
            await db.query('SELECT count(*) AS n FROM clerk_sync_role_audit WHERE event_id = ?', [
              eventId,
            ])
          )[0]?.n,
        )

      // The job is in the worker's hands: before the write nothing is written, after it the role
      // and its audit entry are committed but the job is not done.
      expect(eventId).toBeDefined()
      expect((await queue.stats()).active).toBe(1)
      const held = await store.getUser(user.id)
      expect(held?.role).toBe(point === 'before-write' ? 'client' : 'admin')
      expect(await auditEntries()).toBe(point === 'before-write' ? 0 : 1)

      const victim = cluster.workers.find((worker) => worker.pid === pid)
      expect(victim, `worker ${pid} holds the job`).toBeDefined()
      const killedAt = performance.now()
      await victim!.kill('SIGKILL')
      await hold.release()
      // Back up, as a supervisor restarts it; the other worker may well take the job first.
      const restarted = victim!.restart()
      const stats = await deployment!.drain(20_000)
      const retriedAfterMs = performance.now() - killedAt
      await restarted

      expect((await store.getUser(user.id))?.role).toBe('admin')
      expect(await auditEntries()).toBe(1)
      expect(
        await db.query('SELECT id FROM clerk_sync_events WHERE id = ?', [eventId]),
      ).toHaveLength(1)
      expect(stats).toMatchObject({ queued: 0, active: 0, dead: 0 })
      expect(await deployment!.jobRows()).toBe(0)
      report.push(
        `${point}: retried and done ${(retriedAfterMs / 1000).toFixed(1)} s after the kill`,
      )
      expect(retriedAfterMs, report.at(-1)).toBeLessThan(RETRY_BOUND_MS)
    }

    console.log(
      `[queue faults] SIGKILL mid-job (expiry ${EXPIRE_SECONDS} s; bound ${RETRY_BOUND_MS} ms = 2 x (expiry + expiry pass ${EXPIRY_PASS_MS} + retry delay ${RETRY_DELAY_MS} + poll ${POLL_MS})): ${report.join('; ')}`,
    )
    expect(cluster.unexpectedExits).toEqual([])
  }, 60_000)

  it('Postgres unreachable for a few seconds: 5xx answers, retries land after it returns, the database equals Clerk', async () => {
    const { emulator, cluster, store, db, dbProxy, front } = deployment!
    const started = performance.now()
    const load = runLoad({
      apiUrl: emulator.apiUrl,
      secretKey: emulator.secretKey,
      users: 60,
      mutations: 90,
      concurrency: 4,
      random: seededRandom(seed ^ 0x10ad),
    })
    load.catch(() => {}) // Awaited below; never unhandled while the outage runs.
    const arrivalsBefore = front.arrivalCount
    await vi.waitFor(() => expect(front.arrivalCount).toBeGreaterThanOrEqual(arrivalsBefore + 40), {
      timeout: 20_000,
      interval: 50,
    })
    const outageStart = Date.now()
    const outage = await dbProxy.outage(OUTAGE_MS)
    const outageEnd = Date.now()
    await load
    await emulator.flush({ timeoutMs: 30_000 })
    const stats = await deployment!.drain(30_000)
    const totalMs = performance.now() - started

    // Every 5xx of the file's run: none but the outage's may exist.
    const refused = emulator.deliveries().filter((a) => a.status !== null && a.status >= 500)
    const refusedIds = new Set(refused.map((a) => a.messageId))
    const finals = emulator
      .deliveries()
      .filter((a) => a.final && refusedIds.has(a.messageId) && !a.duplicate)
    const ids = [
      ...new Set(emulator.events().map((event) => (event.payload.data as { id: string }).id)),
    ]
    const convergence = await checkConvergence({
      emulator,
      arrivals: front.arrivals(),
      raw: db,
      view: await readStoreView(store, ids),
    })
    const lateAfterMs = finals.map((a) => Math.round(a.startedAt + a.latencyMs - outageEnd))
    console.log(
      `[queue faults] Postgres away ${OUTAGE_MS} ms (${outage.dropped} connections reset, ${outage.refused} refused): ${refused.length} deliveries answered 5xx (${refusedIds.size} messages), each acknowledged by a retry answered ${Math.min(...lateAfterMs)}..${Math.max(...lateAfterMs)} ms after it returned; ${convergence.events} events in all, lost ${convergence.lost.length}, mismatched ${convergence.mismatched.length}, undelivered ${convergence.undelivered.length}, violations ${convergence.violations.length}, dead ${stats.dead}; ${(totalMs / 1000).toFixed(1)} s`,
    )

    expect(cluster.unexpectedExits).toEqual([])
    // The web processes could not store the job: 500 with the queue's code, Svix retries.
    expect(refused.length).toBeGreaterThan(0)
    for (const attempt of refused) {
      expect(attempt.status).toBe(500)
      expect(attempt.responseBody).toContain('QUEUE_FAILED')
      // Only while the database was away (the answer may come a moment after it is back).
      expect(attempt.startedAt).toBeGreaterThanOrEqual(outageStart - 1000)
      expect(attempt.startedAt).toBeLessThanOrEqual(outageEnd + 1000)
    }
    // Nothing sent while the database was away was acknowledged (a job is stored first)…
    // (This process's clock, busy, can only read a start and an answer late, never early.)
    const answeredDuring = emulator
      .deliveries()
      .filter((a) => a.ok && a.startedAt >= outageStart && a.startedAt + a.latencyMs < outageEnd)
    expect(answeredDuring).toEqual([])
    // …and each refused message was acknowledged by one of Svix's retries once it was back.
    expect(finals).toHaveLength(refusedIds.size)
    for (const attempt of finals) {
      expect(attempt.ok).toBe(true)
      expect(attempt.attempt).toBeGreaterThan(1)
      expect(attempt.startedAt + attempt.latencyMs).toBeGreaterThanOrEqual(outageEnd)
    }
    expect({
      lost: convergence.lost.slice(0, 10),
      resurrected: convergence.resurrected.slice(0, 10),
      mismatched: convergence.mismatched.slice(0, 10),
      undelivered: convergence.undelivered.slice(0, 10),
      violations: convergence.violations.slice(0, 10),
    }).toEqual({ lost: [], resurrected: [], mismatched: [], undelivered: [], violations: [] })
    expect(stats).toMatchObject({ queued: 0, active: 0, dead: 0 })
    expect(await deployment!.jobRows()).toBe(0)
  }, 60_000)
})
