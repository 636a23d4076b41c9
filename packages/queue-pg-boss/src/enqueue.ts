import type { EnqueueOutcome, QueuedEvent } from '@clerk-sync/core/queue-kit'
import { ENQUEUE_TOKEN, newEnqueueToken } from './enqueue-token.js'
import { insertJobs } from './insert-jobs.js'
import { jobIdFor } from './job-id.js'
import type { InsertedJob, JobReads } from './job-reads.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossJobInsert, PgBossLike, PgBossQueueConfig } from './pg-boss-like.js'

// An event whose job vanishes between the insert and the read (applied and deleted just then), or
// changes state under a requeue, goes into the next insert; this often means something is wrong.
const ATTEMPTS = 4
// Most events in one insert (about 1.5 KB of JSON each), and inserts running at once: each holds
// one of the boss's pooled connections for two statements, and the boss's pool may be as small as 4.
const MAX_BATCH = 64
const MAX_IN_FLIGHT = 2

export type Enqueuer = (event: QueuedEvent) => Promise<EnqueueOutcome>

interface Pending {
  event: QueuedEvent
  id: string
  attempts: number
  resolve(outcome: EnqueueOutcome): void
  reject(error: unknown): void
}

/**
 * The end of this turn of the event loop (as the store's group commit schedules); setTimeout 0
 * where setImmediate is missing or a stub that throws (edge runtimes).
 */
function nextTurn(run: () => void): void {
  try {
    if (typeof setImmediate === 'function') {
      setImmediate(run)
      return
    }
  } catch {}
  setTimeout(run, 0)
}

/**
 * Stores events as jobs named by their `svix-id`, grouped: the events that arrive in one turn of
 * the event loop, or while earlier inserts are running, go out as ONE `insert` (one statement and
 * commit for up to 64 events; pg-boss skips an id that exists), then ONE read of those ids answers
 * each caller from its job's row:
 * - stored by this insert (its data carries this insert's token): `queued`;
 * - waiting, running, or applied but not yet deleted: `already-queued`, that job applies the event;
 * - dead-lettered (failed) or cancelled: put back and its dead-letter copy removed: `requeued`;
 * - gone (applied and deleted in between): into the next insert.
 * No timer: alone, an event leaves at the end of the turn it arrived in. Each caller resolves only
 * after the insert committed; when the insert or the read fails, every caller of that batch
 * rejects (the webhook answers 500 and Svix retries), except that an insert refused for a value
 * is tried again one job at a time. It never answers `already-queued` for a job
 * that nothing will run.
 */
export function enqueuer(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
  config: PgBossQueueConfig,
): Enqueuer {
  const { name, deadName } = options
  let queue: Pending[] = []
  let inFlight = 0
  let scheduled = false

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

  /** Sends the callers of one job back for the next insert, or fails them once out of attempts. */
  function again(callers: Pending[], why: string): void {
    for (const caller of callers) {
      if (++caller.attempts < ATTEMPTS) queue.push(caller)
      else {
        caller.reject(
          new Error(
            `pg-boss job ${caller.id} for event ${caller.event.eventId} ${why} ${ATTEMPTS} times; is queue "${name}" created?`,
          ),
        )
      }
    }
    if (queue.length > 0) schedule()
  }

  /** Answers the callers of one job (the first names the outcome, the rest share its job). */
  async function answer(callers: Pending[], job: InsertedJob | undefined): Promise<void> {
    const [first, ...rest] = callers as [Pending, ...Pending[]]
    const settle = (outcome: EnqueueOutcome) => {
      first.resolve(outcome)
      for (const caller of rest) caller.resolve('already-queued')
    }
    if (!job) return again(callers, 'vanished between its insert and its read')
    if (job.mine) return settle('queued')
    switch (job.state) {
      case 'created':
      case 'retry':
      case 'active':
      // Applied; the worker's delete of it did not land (it runs no more, nor needs to).
      case 'completed':
        return settle('already-queued')
      case 'failed':
      case 'cancelled':
        if (await requeue(first.event, first.id, job.state)) return settle('requeued')
        return again(callers, 'changed state under a requeue')
      default:
        throw new Error(`pg-boss job ${job.id} is in an unknown state ${JSON.stringify(job.state)}`)
    }
  }

  async function write(batch: Pending[]): Promise<void> {
    // One job per id: a delivery and its duplicates in one burst share it (12 refuses an insert
    // naming one id twice).
    const byId = new Map<string, Pending[]>()
    for (const item of batch) {
      const callers = byId.get(item.id)
      if (callers) callers.push(item)
      else byId.set(item.id, [item])
    }
    const token = newEnqueueToken()
    let rows: Map<string, InsertedJob>
    try {
      const jobs: PgBossJobInsert[] = [...byId.values()].map(([item]) => ({
        ...config,
        id: item!.id,
        data: { ...item!.event, [ENQUEUE_TOKEN]: token },
      }))
      await insertJobs(boss, name, jobs)
      const found = await reads.inserted(name, [...byId.keys()], token)
      rows = new Map(found.map((row) => [row.id, row]))
    } catch (error) {
      // One event Postgres cannot store (a \u0000 in its JSON, say) must not fail the events that
      // shared its insert, batch after batch as Svix retries them: each job is tried alone. Any
      // other error (the database away) fails the whole batch at once.
      if (byId.size > 1 && isDataError(error)) {
        await Promise.all([...byId.values()].map((callers) => write(callers)))
        return
      }
      for (const item of batch) item.reject(error)
      return
    }
    await Promise.all(
      [...byId].map(async ([id, callers]) => {
        try {
          await answer(callers, rows.get(id))
        } catch (error) {
          for (const caller of callers) caller.reject(error)
        }
      }),
    )
  }

  function pump(): void {
    while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH)
      queue = queue.slice(MAX_BATCH)
      inFlight++
      void write(batch).finally(() => {
        inFlight--
        pump()
      })
    }
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    nextTurn(() => {
      scheduled = false
      pump()
    })
  }

  return (event) =>
    new Promise<EnqueueOutcome>((resolve, reject) => {
      queue.push({ event, id: jobIdFor(event.eventId), attempts: 0, resolve, reject })
      schedule()
    })
}

/** A Postgres data exception (SQLSTATE class 22): the fault of a value, not of the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('22')
}

/**
 * How many jobs a pg-boss command changed (`{ affected }` from 10 and 12 alike, though 10's types
 * say void). A missing count is taken as done.
 */
function affected(result: unknown): number | undefined {
  const count = (result as { affected?: unknown } | undefined)?.affected
  return typeof count === 'number' ? count : undefined
}
