import type { Enqueuer } from './enqueue.js'
import type { JobReads, PageKey } from './job-reads.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'
import { isQueuedEvent } from './queued-event.js'

// Dead letters read and moved per step: enqueued together (grouped inserts), then their dead
// copies dropped in one delete.
const STEP = 500

/**
 * Moves dead letters back into the queue, oldest first: all of them without `limit`, else at most
 * `limit`. Only the dead letters there when it starts: a replayed event that fails again while it
 * runs is dead-lettered anew (a copy created later), and reading those would loop for as long as
 * the cause lasts. Each goes through the same id rules as a redelivery (a failed original is
 * retried, a vanished one inserted again, a waiting one left to run); only then is its dead copy
 * dropped, so a step that fails part-way drops the copies of the events it did move and rejects.
 */
export async function replayDead(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
  enqueue: Enqueuer,
  limit: number | undefined,
): Promise<number> {
  const { deadName, logger } = options
  const upTo = await reads.newestWaiting(deadName)
  if (upTo === null) return 0
  let moved = 0
  let after: PageKey | undefined
  for (;;) {
    const want = Math.min(STEP, limit === undefined ? STEP : limit - moved)
    if (want <= 0) return moved
    const jobs = await reads.waiting(deadName, want, upTo, after)
    const last = jobs.at(-1)
    if (last) after = { createdOn: last.createdOn, id: last.id }
    const events = jobs.filter((job) => {
      if (isQueuedEvent(job.data)) return true
      logger.warn(`pg-boss queue "${deadName}": job ${job.id} is not a clerk-sync event; left`)
      return false
    })
    const settled = await Promise.allSettled(
      events.map((job) => enqueue(job.data as Parameters<Enqueuer>[0])),
    )
    const done = events.filter((_, i) => settled[i]!.status === 'fulfilled').map((job) => job.id)
    if (done.length > 0) await boss.deleteJob(deadName, done)
    moved += done.length
    const failure = settled.find((result) => result.status === 'rejected')
    if (failure) throw failure.reason
    // Fewer than asked: none are left up to the cut-off.
    if (jobs.length < want) return moved
  }
}
