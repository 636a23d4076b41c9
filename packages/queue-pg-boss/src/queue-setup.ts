import type { JobReads } from './job-reads.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike, PgBossQueueConfig } from './pg-boss-like.js'

/** The retry and expiry settings of every job, on the queue and on each inserted job. */
export function jobConfig(options: ResolvedOptions): PgBossQueueConfig {
  return {
    retryLimit: options.retryLimit,
    retryDelay: options.retryDelaySeconds,
    retryBackoff: options.retryBackoff,
    expireInSeconds: options.expireInSeconds,
    deadLetter: options.deadName,
  }
}

// Postgres errors of two connections creating one queue at once: deadlock (pg-boss 10's
// create_queue inserts the queue row and creates its partition without a lock of its own), and
// the unique and duplicate-table races. The queue exists once the winner commits.
const CREATE_RACES = new Set(['40P01', '23505', '42P07'])
const CREATE_ATTEMPTS = 8

async function createQueue(boss: PgBossLike, name: string, config?: PgBossQueueConfig) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await boss.createQueue(name, config)
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      if (attempt >= CREATE_ATTEMPTS || typeof code !== 'string' || !CREATE_RACES.has(code)) {
        throw error
      }
      // Jittered, so the replicas that collided do not collide again.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt))
    }
  }
}

/**
 * Creates the queue and its dead-letter queue the first time anything needs them, once per
 * process: `createQueue` is a no-op for a queue that exists, but it is a round trip (and on 12 a
 * lock) that a webhook should not pay on every delivery. A failed attempt is forgotten, so the next
 * call tries again instead of failing forever.
 */
export function queueSetup(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
): () => Promise<void> {
  let ready: Promise<void> | undefined
  return () => {
    if (!ready) {
      const attempt = (async () => {
        // Before anything is stored: a schema the adapter's SQL cannot use would otherwise fail
        // every enqueue after its insert committed.
        reads.checkSchema()
        // The dead-letter queue first: the main queue's `deadLetter` references it.
        await createQueue(boss, options.deadName)
        await createQueue(boss, options.name, jobConfig(options))
        // 10 resolves `createQueue` without a word when its connection is closed (not started
        // yet, or stopped); the read throws then, so the setup is tried again on the next call.
        if (!(await boss.getQueue(options.name))) {
          throw new Error(`pg-boss did not create queue "${options.name}"`)
        }
      })()
      ready = attempt
      attempt.catch(() => {
        if (ready === attempt) ready = undefined
      })
    }
    return ready
  }
}
