/**
 * Issue 15, proof 1: queue mode scaled out. Three web processes (verify and enqueue) behind a
 * round-robin proxy and two worker processes (`startWorker({ concurrency: 2 })`) share one
 * Postgres through pg-boss (@clerk-sync/queue-pg-boss). The emulator creates, updates and deletes
 * a few hundred users, delivering with 20% duplicates, a 50 ms reorder window and 32 attempts in
 * flight. After the deliveries and the queue drain, the database equals Clerk's users field by
 * field (through the store and in the table), no deleted user exists, the dead-letter queue is
 * empty and no job row is left: a completed job is deleted, it carries personal data.
 * CLERK_SYNC_QUEUE_SEED replays a run's delivery chaos.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../test-support/chaos/load.js'
import { seededRandom } from '../../test-support/chaos/random.js'
import { checkConvergence } from '../../test-support/chaos/verify.js'
import { postgresUnavailable } from '../../test-support/databases.js'
import {
  type QueueDeployment,
  startQueueDeployment,
} from '../../test-support/queue/queue-deployment.js'
import { readStoreView } from '../../test-support/queue/store-view.js'

const skip = await postgresUnavailable()
const seed = Number(process.env.CLERK_SYNC_QUEUE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const USERS = 200
const MUTATIONS = 300
/** Each process: a store pool and a pg-boss pool of this size. */
const POOL_MAX = 3

describe.skipIf(!!skip)('queue mode scale-out: 3 web + 2 worker processes, one Postgres', () => {
  let deployment: QueueDeployment | undefined
  let startupMs = 0

  beforeAll(async () => {
    const started = performance.now()
    deployment = await startQueueDeployment({
      web: 3,
      workers: 2,
      poolMax: POOL_MAX,
      emulator: {
        // A retry, should any delivery need one, comes within milliseconds.
        timeScale: 1e-4,
        duplicateRate: 0.2,
        reorderWindow: 50,
        jitter: 10,
        concurrency: 32,
        seed,
      },
    })
    startupMs = performance.now() - started
  }, 60_000)

  afterAll(async () => {
    await deployment?.close()
  }, 30_000)

  it(`${USERS} users, ${MUTATIONS} mutations with duplicates and reordering: the database equals Clerk's users`, async () => {
    const { emulator, front, cluster, store, db } = deployment!
    const timings: Record<string, number> = { startup: startupMs }
    const lap = (name: string, since: number) => {
      timings[name] = performance.now() - since
      return performance.now()
    }

    // Connections of the five processes, sampled all along: they must stay well under Postgres's
    // max_connections (100), which every other client of the server shares.
    let peakConnections = 0
    const sampler = setInterval(() => {
      deployment!.processConnections().then(
        (n) => (peakConnections = Math.max(peakConnections, n)),
        () => {},
      )
    }, 200)

    let t = performance.now()
    const load = await runLoad({
      apiUrl: emulator.apiUrl,
      secretKey: emulator.secretKey,
      users: USERS,
      mutations: MUTATIONS,
      random: seededRandom(seed ^ 0x10ad),
    })
    t = lap('load', t)
    await emulator.flush({ timeoutMs: 30_000 })
    t = lap('flush', t)
    const stats = await deployment!.drain(30_000)
    t = lap('drain', t)
    clearInterval(sampler)

    // The workers stop gracefully and say what they applied.
    const summaries = (await Promise.all(cluster.workers.map((worker) => worker.stop()))).map(
      (output) =>
        JSON.parse(/worker summary (\{.*\})/.exec(output)?.[1] ?? 'null') as Record<
          string,
          number
        > | null,
    )

    const ids = [
      ...new Set(emulator.events().map((event) => (event.payload.data as { id: string }).id)),
    ]
    const view = await readStoreView(store, ids)
    const arrivals = front.arrivals()
    const convergence = await checkConvergence({ emulator, arrivals, raw: db, view })
    t = lap('checks', t)
    const deliveries = emulator.deliveries()
    const perWeb = cluster.web.map((_, i) => arrivals.filter((a) => a.backend === i).length)
    const perWorker = summaries.map((summary) =>
      Object.values(summary ?? {}).reduce((sum, n) => sum + n, 0),
    )
    const jobRows = await deployment!.jobRows()
    const latencies = deliveries.map((attempt) => attempt.latencyMs).sort((a, b) => a - b)
    const percentile = (p: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0)

    console.log(
      `[queue scale-out] seed ${seed}: ${convergence.events} events (${load.created} created, ${load.updated} updated, ${load.roleChanges} role changes, ${load.deleted} deleted), ${convergence.attempts} attempts, ${convergence.duplicatesDelivered} duplicates, ${convergence.outOfOrderPairs} out-of-order pairs, acknowledged in p50 ${percentile(0.5)} ms / p99 ${percentile(0.99)} ms, deliveries per web process ${perWeb.join('/')}, jobs per worker ${perWorker.join('/')} (${summaries.map((s) => JSON.stringify(s)).join(' ')}), peak connections ${peakConnections}, ` +
        `lost ${convergence.lost.length}, resurrected ${convergence.resurrected.length}, mismatched ${convergence.mismatched.length}, undelivered ${convergence.undelivered.length}, violations ${convergence.violations.length}, dead ${stats.dead}, job rows ${jobRows}; ` +
        Object.entries(timings)
          .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
          .join(', '),
    )

    expect(cluster.unexpectedExits).toEqual([])
    expect(convergence.events).toBe(load.calls)
    expect({
      lost: convergence.lost.slice(0, 10),
      resurrected: convergence.resurrected.slice(0, 10),
      mismatched: convergence.mismatched.slice(0, 10),
      undelivered: convergence.undelivered.slice(0, 10),
      violations: convergence.violations.slice(0, 10),
    }).toEqual({ lost: [], resurrected: [], mismatched: [], undelivered: [], violations: [] })
    // No fault was injected: every delivery is acknowledged at the first try.
    expect(deliveries.filter((attempt) => attempt.status !== 200)).toEqual([])
    // The run was what it claims: duplicates, reordering, every process at work.
    expect(convergence.duplicatesDelivered).toBeGreaterThan(0)
    expect(convergence.outOfOrderPairs).toBeGreaterThan(0)
    for (const n of perWeb) expect(n).toBeGreaterThan(0)
    for (const n of perWorker) expect(n).toBeGreaterThan(0)
    // Every event reached the store through a worker at least once (duplicates may add more).
    expect(perWorker.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(convergence.events)
    expect(stats).toMatchObject({ queued: 0, active: 0, dead: 0 })
    expect(jobRows).toBe(0)
    expect(peakConnections).toBeGreaterThan(0)
    expect(peakConnections).toBeLessThanOrEqual(5 * 2 * POOL_MAX)
  }, 60_000)
})
