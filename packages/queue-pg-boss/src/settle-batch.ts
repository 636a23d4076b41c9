import type { Logger } from '@clerk-sync/core'
import type { AppliedEvent, ApplyQueuedEvents, QueuedEvent } from '@clerk-sync/core/queue-kit'
import { messageOf } from './message-of.js'
import type { PgBossFetchedJob, PgBossJobAttempt, PgBossLike } from './pg-boss-like.js'
import { isQueuedEvent } from './queued-event.js'

/**
 * Applies one fetched batch and settles every job of it: an applied job is deleted (completed
 * jobs would keep the user's personal data in the job table), a failed one is failed with its
 * error's message, which pg-boss retries with back-off and dead-letters once out of retries. If
 * `apply` throws, the whole batch fails. A settle that does not reach the database is logged: the
 * job stays active until its expiry retries it, and the store's event record answers the second
 * run as a duplicate.
 */
export async function settleBatch(
  boss: PgBossLike,
  queue: string,
  jobs: PgBossFetchedJob[],
  apply: ApplyQueuedEvents,
  logger: Logger,
): Promise<void> {
  const events: QueuedEvent[] = []
  const eventJobs: PgBossFetchedJob[] = []
  const failed = new Map<string, PgBossFetchedJob[]>()
  const fail = (message: string, job: PgBossFetchedJob) => {
    failed.set(message, [...(failed.get(message) ?? []), job])
  }
  for (const job of jobs) {
    if (isQueuedEvent(job.data)) {
      events.push(job.data)
      eventJobs.push(job)
    } else {
      // Kept out of the batch, so it cannot fail the events beside it.
      fail('job data is not a clerk-sync queued event', job)
    }
  }

  let results: AppliedEvent[] = []
  if (events.length > 0) {
    try {
      const answered: unknown = await apply(events)
      // One result per event, in order; anything else cannot be matched to the jobs.
      if (!Array.isArray(answered) || answered.length !== events.length) {
        throw new Error(
          `the worker answered ${Array.isArray(answered) ? `${answered.length} results` : 'no results array'} for ${events.length} events`,
        )
      }
      results = answered as AppliedEvent[]
    } catch (error) {
      results = events.map(() => ({ ok: false, error }))
    }
  }
  const applied: PgBossFetchedJob[] = []
  eventJobs.forEach((job, index) => {
    const result = results[index]
    if (result?.ok) applied.push(job)
    else fail(result ? messageOf(result.error) : 'the worker returned no result for it', job)
  })

  const settles: Promise<void>[] = []
  const settle = (
    what: string,
    settled: PgBossFetchedJob[],
    run: (target: string[] | PgBossJobAttempt[]) => Promise<unknown>,
  ) => {
    settles.push(
      Promise.resolve(attempts(settled))
        .then(run)
        .then(
          () => {},
          (error: unknown) => {
            logger.warn(
              `pg-boss queue "${queue}": could not ${what} ${settled.length} job(s); they are retried after their expiry: ${messageOf(error)}`,
            )
          },
        ),
    )
  }
  if (applied.length > 0) settle('delete', applied, (target) => boss.deleteJob(queue, target))
  for (const [message, settled] of failed) {
    settle('fail', settled, (target) => boss.fail(queue, target, { message }))
  }
  await Promise.all(settles)
}

/**
 * The jobs as 12's attempts when the fetch said which attempt it claimed: a worker that outlived
 * its expiry then cannot delete or fail the retry another worker holds. 10 takes plain ids.
 */
function attempts(jobs: PgBossFetchedJob[]): string[] | PgBossJobAttempt[] {
  const fenced = jobs.flatMap((job) =>
    typeof job.retryCount === 'number' ? [{ id: job.id, retryCount: job.retryCount }] : [],
  )
  return fenced.length === jobs.length ? fenced : jobs.map((job) => job.id)
}
