import type {
  ApplyQueuedEvents,
  QueueWorkerHandle,
  QueueWorkOptions,
} from '@clerk-sync/core/queue-kit'
import { startExpiryPasses } from './expiry-passes.js'
import { messageOf } from './message-of.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'
import { settleBatch } from './settle-batch.js'

// After a failed fetch (the database away) a loop waits longer each time, up to this.
const MAX_ERROR_WAIT_MS = 5000
// The first wait after the queue runs empty. Jobs that just came are likely to keep coming (a
// burst, a steady stream), so a loop that found work asks again soon, doubling the wait on each
// empty fetch up to `pollIntervalMs`: the end of a burst is applied within tens of ms instead of a
// whole interval later, and an idle queue is still asked only every `pollIntervalMs`.
const BUSY_POLL_MS = 10
// pg-boss 10's fetch answers [] for any error, and when the boss is stopped: while idle, the
// connection is checked at most this often so an outage is reported instead of looking idle.
const PROBE_EVERY_MS = 5000
// A loop that threw (a bug, not an outage: settleBatch catches what it can) starts again after this.
const RESTART_WAIT_MS = 1000

/**
 * `concurrency` loops, each fetching up to `batchSize` jobs, applying them as one batch and
 * settling them before it fetches again; an empty fetch waits up to `pollIntervalMs` (less soon after
 * a fetch that found jobs). The adapter's own
 * loops rather than pg-boss's `work()`: `work()` completes the jobs (which keeps them, personal
 * data included) and fails or completes a batch as a whole, where clerk-sync settles each event.
 */
export function startFetchLoops(
  boss: PgBossLike,
  options: ResolvedOptions,
  work: QueueWorkOptions,
  apply: ApplyQueuedEvents,
): QueueWorkerHandle {
  const { name, logger } = options
  let stopping = false
  const probe = connectionProbe(boss, options)
  const wakers = new Set<() => void>()

  /** Waits `ms`, or less once `stop()` is called. */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        wakers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      wakers.add(wake)
    })

  async function loop(): Promise<void> {
    let failures = 0
    // The next wait after an empty fetch: short after jobs, growing to pollIntervalMs while idle.
    let idleWait = options.pollIntervalMs
    while (!stopping) {
      let jobs: Awaited<ReturnType<PgBossLike['fetch']>>
      try {
        jobs = await boss.fetch(name, { batchSize: work.batchSize })
      } catch (error) {
        // 12 throws when the database is away (10 answers an empty fetch); said once per outage.
        if (failures === 0) {
          logger.warn(`pg-boss queue "${name}": fetch failed, retrying: ${messageOf(error)}`)
        }
        failures++
        if (stopping) break
        await nap(Math.min(MAX_ERROR_WAIT_MS, options.pollIntervalMs * 2 ** failures))
        continue
      }
      failures = 0
      // Jobs fetched while stopping are active already: they are applied, not abandoned.
      if (jobs.length > 0) {
        idleWait = Math.min(BUSY_POLL_MS, options.pollIntervalMs)
        await settleBatch(boss, name, jobs, apply, logger)
      } else if (!stopping) {
        await probe()
        if (stopping) break
        await nap(idleWait)
        idleWait = Math.min(idleWait * 2, options.pollIntervalMs)
      }
    }
  }

  /** A loop that throws (settleBatch should not) is started again, not lost for good. */
  async function guarded(): Promise<void> {
    while (!stopping) {
      try {
        await loop()
      } catch (error) {
        logger.warn(
          `pg-boss queue "${name}": a fetch loop failed, restarting it: ${messageOf(error)}`,
        )
        if (!stopping) await nap(RESTART_WAIT_MS)
      }
    }
  }

  const loops = Array.from({ length: work.concurrency }, () => guarded())
  const expiry = startExpiryPasses(boss, options, logger)

  let stopped: Promise<void> | undefined
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true
        for (const wake of [...wakers]) wake()
        await Promise.all(loops)
        await expiry.stop()
      })()
      return stopped
    },
  }
}

/**
 * On pg-boss 10 (whose fetch turns every error into an empty answer), checks the connection at
 * most every PROBE_EVERY_MS while the loops find nothing, and says once per outage that pg-boss
 * is stopped or its database unreachable, and once that it is back. A no-op on 12, whose fetch
 * throws.
 */
function connectionProbe(boss: PgBossLike, options: ResolvedOptions): () => Promise<void> {
  if (boss.findJobs) return async () => {}
  const { name, logger } = options
  let last = 0
  let down: string | undefined
  let running: Promise<void> | undefined
  const check = async () => {
    let problem: string | undefined
    try {
      const result = await boss.getDb().executeSql('SELECT 1')
      if (!result) problem = 'pg-boss is stopped (its connection is closed)'
    } catch (error) {
      problem = `its database is unreachable: ${messageOf(error)}`
    }
    if (problem && !down) {
      logger.warn(`pg-boss queue "${name}": fetching nothing because ${problem}`)
    } else if (!problem && down) {
      logger.info(`pg-boss queue "${name}": the connection is back, fetching again`)
    }
    down = problem
  }
  return () => {
    if (running) return running
    if (Date.now() - last < PROBE_EVERY_MS) return Promise.resolve()
    last = Date.now()
    running = check().finally(() => {
      running = undefined
    })
    return running
  }
}
