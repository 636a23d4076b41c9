import { ClerkSyncError, ErrorCode } from '@clerk-sync/core'
import type { EventQueue } from '@clerk-sync/core/queue-kit'
import { enqueuer } from './enqueue.js'
import { startFetchLoops } from './fetch-loops.js'
import { jobReads } from './job-reads.js'
import { type PgBossQueueOptions, resolveOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'
import { jobConfig, queueSetup } from './queue-setup.js'
import { replayDead } from './replay-dead.js'

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
  const { name } = resolved
  const reads = jobReads(boss, resolved)
  const ready = queueSetup(boss, resolved, reads)
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
      const { limit } = replay
      // No upper cap: the replay pages 500 at a time and stops at the dead letters present at its start.
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
        throw new ClerkSyncError(
          ErrorCode.CONFIG_INVALID,
          `replayDead: \`limit\` must be a whole number of at least 1, got ${limit}.`,
        )
      }
      await ready()
      return replayDead(boss, resolved, reads, enqueue, limit)
    },
  }
}
