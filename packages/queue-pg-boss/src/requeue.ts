import type { JobReads } from './job-reads.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'

/**
 * Puts a dead-lettered (`failed`) or `cancelled` job back and drops the dead-letter copies of its
 * event; false when someone else changed the job first.
 *
 * The copies are read BEFORE the job is put back: once it waits again a worker may fetch it and
 * fail it once more, and the fresh dead copy that makes must stay (deleting it would hide the
 * event). Only the copies read first are deleted.
 *
 * pg-boss 10 is put back with one statement of our own: its `retry()` leaves `completed_on` set,
 * and its archive moves jobs by `completed_on`, so a requeued job still waiting would be archived
 * (an acknowledged event lost). The statement also deletes the copies, so both or neither happen.
 * 12's `retry()`/`resume()` clear `completed_on` (12 has no archive) and keep its retained counts,
 * so they are used there, followed by the delete.
 */
export async function requeue(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
  job: { id: string; eventId: string; state: 'failed' | 'cancelled' },
): Promise<boolean> {
  const { name, deadName } = options
  const copies = await reads.waitingForEvent(deadName, job.eventId)
  if (!boss.findJobs) return (await reads.requeueWithCopies(job.id, job.state, copies)) > 0
  const result =
    job.state === 'failed' ? await boss.retry(name, job.id) : await boss.resume(name, job.id)
  if (affected(result) === 0) return false
  // The copy pg-boss made in the dead-letter queue would otherwise be replayed a second time.
  if (copies.length > 0) await boss.deleteJob(deadName, copies)
  return true
}

/** How many jobs a pg-boss command changed (`{ affected }`); a missing count is taken as done. */
function affected(result: unknown): number | undefined {
  const count = (result as { affected?: unknown } | undefined)?.affected
  return typeof count === 'number' ? count : undefined
}
