import { type EnqueueOutcome, oncePerTurn, type QueuedEvent } from '@clerk-sync/core/queue-kit'
import { ENQUEUE_TOKEN, newEnqueueToken } from './enqueue-token.js'
import { insertJobs } from './insert-jobs.js'
import { jobIdFor } from './job-id.js'
import type { InsertedJob, JobReads } from './job-reads.js'
import { limiter } from './limiter.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossJobInsert, PgBossLike, PgBossQueueConfig } from './pg-boss-like.js'
import { requeue } from './requeue.js'

// An event whose job vanishes between the insert and the read (applied and deleted just then), or
// changes state under a requeue, goes into the next insert; this often means something is wrong.
const ATTEMPTS = 4
// Most events in one insert (about 1.5 KB of JSON each), and inserts running at once: each holds
// one of the boss's pooled connections for two statements, and the boss's pool may be as small as 4.
const MAX_BATCH = 64
const MAX_IN_FLIGHT = 2
// Requeues (two round trips each) running at once, across all batches: a burst of redeliveries
// of dead letters must not take every pooled connection.
const MAX_REQUEUES = 2
// An event still waiting for its insert this long after it came is dropped and its caller
// rejected: its webhook has answered 500 by now (the core's enqueue deadline) and Svix will
// deliver it again, so inserting it would only add load to a database already too slow.
const STALE_MS = 30_000

export type Enqueuer = (event: QueuedEvent) => Promise<EnqueueOutcome>

interface Pending {
  event: QueuedEvent
  id: string
  attempts: number
  /** When the caller asked (ms), to drop what waited past STALE_MS. */
  since: number
  resolve(outcome: EnqueueOutcome): void
  reject(error: unknown): void
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
 * is tried again one job at a time (through the same two-at-a-time pump). It never answers
 * `already-queued` for a job that nothing will run.
 *
 * Bounded under a slow database: past `maxPendingEnqueues` events waiting for an insert, a new
 * one is refused at once (500, Svix retries later), and an event that waited over 30 s is dropped
 * with a rejection instead of inserted.
 */
export function enqueuer(
  boss: PgBossLike,
  options: ResolvedOptions,
  reads: JobReads,
  config: PgBossQueueConfig,
): Enqueuer {
  const { name, maxPendingEnqueues } = options
  // Waiting callers are taken from `head` on (no copy of the backlog per batch); the array is
  // compacted once most of it is taken.
  let queue: Pending[] = []
  let head = 0
  // Batches retried one job each after a value error; they go before new batches.
  const solo: Pending[][] = []
  let inFlight = 0
  const requeues = limiter(MAX_REQUEUES)

  const waiting = () => queue.length - head

  /** Takes up to MAX_BATCH waiting callers, rejecting those that waited past STALE_MS. */
  function take(): Pending[] {
    const batch: Pending[] = []
    const now = Date.now()
    while (batch.length < MAX_BATCH && head < queue.length) {
      const item = queue[head++]!
      if (now - item.since > STALE_MS) {
        item.reject(
          new Error(
            `pg-boss queue "${name}": event ${item.event.eventId} waited over ${STALE_MS / 1000} s for its insert (the database is slow); dropped`,
          ),
        )
      } else batch.push(item)
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
    return batch
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
    if (waiting() > 0) schedule()
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
      case 'cancelled': {
        const state = job.state
        const back = await requeues(() =>
          requeue(boss, options, reads, { id: first.id, eventId: first.event.eventId, state }),
        )
        if (back) return settle('requeued')
        return again(callers, 'changed state under a requeue')
      }
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
        solo.push(...byId.values())
        schedule()
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
    while (inFlight < MAX_IN_FLIGHT && (solo.length > 0 || waiting() > 0)) {
      const batch = solo.shift() ?? take()
      if (batch.length === 0) continue
      inFlight++
      void write(batch).finally(() => {
        inFlight--
        pump()
      })
    }
  }

  const schedule = oncePerTurn(pump)

  return (event) =>
    new Promise<EnqueueOutcome>((resolve, reject) => {
      if (waiting() >= maxPendingEnqueues) {
        reject(
          new Error(
            `pg-boss queue "${name}": ${maxPendingEnqueues} events already wait for their insert (maxPendingEnqueues; the database is slow); refused`,
          ),
        )
        return
      }
      const since = Date.now()
      queue.push({ event, id: jobIdFor(event.eventId), attempts: 0, since, resolve, reject })
      schedule()
    })
}

/** A Postgres data exception (SQLSTATE class 22): the fault of a value, not of the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('22')
}
