import type { EnqueueOutcome, QueuedEvent } from '@clerk-sync/core/queue-kit'
import { jobIdFor } from './job-id.js'
import type { JobReads } from './job-reads.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike, PgBossQueueConfig } from './pg-boss-like.js'

// A job that vanishes between a refused `send` and the lookup (applied and deleted just then) is
// sent again; a job that keeps changing state under us this often means something else is wrong.
const ATTEMPTS = 4

export type Enqueuer = (event: QueuedEvent) => Promise<EnqueueOutcome>

/**
 * Stores one event as the job named by its `svix-id`. pg-boss refuses a second job with the same
 * id (the `send` answers null), so a duplicate delivery looks the job up and answers from its
 * state: waiting or running, it will apply the event; dead-lettered (failed), it is put back and
 * its dead-letter copy removed; gone (applied and deleted in between), it is sent again. It never
 * answers `already-queued` for a job that nothing will run.
 */
export function enqueuer(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
  config: PgBossQueueConfig,
): Enqueuer {
  const { name, deadName } = options

  /** Puts a dead-lettered job back; false when someone else changed it first. */
  async function requeue(event: QueuedEvent, id: string, state: string): Promise<boolean> {
    // `retry` moves a failed job to retry (one more attempt; failing again dead-letters it anew)
    // and `resume` a cancelled one to created; both touch only a job still in that state.
    const result = state === 'failed' ? await boss.retry(name, id) : await boss.resume(name, id)
    if (affected(result) === 0) return false
    // The copy pg-boss made in the dead-letter queue would otherwise be replayed a second time.
    const copies = await reads.waitingForEvent(deadName, event.eventId)
    if (copies.length > 0) await boss.deleteJob(deadName, copies)
    return true
  }

  return async function enqueue(event) {
    const id = jobIdFor(event.eventId)
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await boss.send(name, event, { ...config, id })) return 'queued'
      const job = await reads.job(name, id)
      if (!job) continue
      switch (job.state) {
        case 'created':
        case 'retry':
        case 'active':
          return 'already-queued'
        // Applied; the worker's delete of it did not land (it runs no more, nor needs to).
        case 'completed':
          return 'already-queued'
        case 'failed':
        case 'cancelled':
          if (await requeue(event, id, job.state)) return 'requeued'
          continue
        default:
          throw new Error(`pg-boss job ${id} is in an unknown state ${JSON.stringify(job.state)}`)
      }
    }
    throw new Error(
      `pg-boss refused job ${id} for event ${event.eventId} ${ATTEMPTS} times and holds no job for it; is queue "${name}" created?`,
    )
  }
}

/**
 * How many jobs a pg-boss command changed (`{ affected }` from 10 and 12 alike, though 10's types
 * say void). A missing count is taken as done.
 */
function affected(result: unknown): number | undefined {
  const count = (result as { affected?: unknown } | undefined)?.affected
  return typeof count === 'number' ? count : undefined
}
