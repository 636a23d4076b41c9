import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'
import type { EventQueue } from '@clerk-sync/core/queue-kit'
import { enqueuer } from './enqueue.js'
import { startFetchLoops } from './fetch-loops.js'
import { jobReads } from './job-reads.js'
import { type PgBossQueueOptions, resolveOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'
import { jobConfig, queueSetup } from './queue-setup.js'
import { isQueuedEvent } from './queued-event.js'

const DEFAULT_REPLAY_LIMIT = 1000

/**
 * Queue mode on pg-boss 10 or 12: `createClerkSync({ store, queue: pgBossQueue(boss) })`. The app
 * constructs, starts and stops `boss`; this never does. The queue and its dead-letter queue
 * (`${name}-dead`) are created on first use.
 */
export function pgBossQueue(boss: PgBossLike, options: PgBossQueueOptions = {}): EventQueue {
  if (typeof boss !== 'object' || boss === null || typeof boss.insert !== 'function') {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'pgBossQueue: `boss` must be a PgBoss instance (pg-boss 10 or 12).',
    )
  }
  const resolved = resolveOptions(options)
  const { name, deadName, logger } = resolved
  const ready = queueSetup(boss, resolved)
  const reads = jobReads(boss, resolved)
  const enqueue = enqueuer(boss, resolved, reads, jobConfig(resolved))

  return {
    description: `pg-boss queue "${name}"`,

    async enqueue(event) {
      await ready()
      return enqueue(event)
    },

    async work(work, apply) {
      await ready()
      return startFetchLoops(boss, resolved, work, apply)
    },

    async stats() {
      await ready()
      return reads.stats()
    },

    async replayDead(replay = {}) {
      const limit = replay.limit ?? DEFAULT_REPLAY_LIMIT
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
        throw new ClerkSyncError(
          ErrorCode.CONFIG_INVALID,
          `replayDead: \`limit\` must be an integer from 1 to 100000, got ${limit}.`,
        )
      }
      await ready()
      let moved = 0
      for (const job of await reads.waiting(deadName, limit)) {
        if (!isQueuedEvent(job.data)) {
          logger.warn(`pg-boss queue "${deadName}": job ${job.id} is not a clerk-sync event; left`)
          continue
        }
        // The same id rules as a redelivery: a failed original is retried, a vanished one sent
        // again, a waiting one left to run. Only then is the dead copy dropped.
        await enqueue(job.data)
        await boss.deleteJob(deadName, job.id)
        moved++
      }
      return moved
    },
  }
}
