import type { UserEventType } from '../webhook/clerk-event.js'

/**
 * A verified Clerk user event, stored by a queue until a worker applies it. It carries personal
 * data (the user JSON), so a queue deletes a job once it is applied and keeps only failed ones,
 * in its dead-letter queue, for replay.
 */
export interface QueuedEvent {
  /** `svix-id`: the same on every retry of one delivery, so it is the job's dedupe key. */
  eventId: string
  eventType: UserEventType
  userId: string
  /** The event JSON exactly as Clerk signed it (envelope and `data`); never re-verified. */
  payload: Record<string, unknown>
  /** When the webhook was received, in ms since the epoch. */
  receivedAt: number
  /**
   * The W3C `traceparent` of the webhook's `clerk-sync.queue.enqueue` span, set only while the app
   * records traces: the worker's span links to it. Stored with the job like the other fields.
   */
  traceparent?: string
}

/**
 * - `queued`: stored as a new job; the delivery may be acknowledged.
 * - `already-queued`: a job for this `svix-id` is waiting or running; it will apply the event.
 * - `requeued`: the event sat in the dead-letter queue; it was put back to run again.
 */
export type EnqueueOutcome = 'queued' | 'already-queued' | 'requeued'

/** One event's answer from `ApplyQueuedEvents`, in the order the events were given. */
export type AppliedEvent = { ok: true } | { ok: false; error: unknown }

/**
 * Applies a batch of stored events through the store's guarded, idempotent write path. A queue
 * deletes each job answered `ok` and fails the others (retried with back-off, then dead-lettered).
 * It never rejects: one event's failure is that event's answer.
 */
export type ApplyQueuedEvents = (events: QueuedEvent[]) => Promise<AppliedEvent[]>

export interface QueueWorkOptions {
  /** Batches applied at once by this process. */
  concurrency: number
  /** Most jobs taken per fetch. */
  batchSize: number
}

export interface QueueWorkerHandle {
  /** Stops fetching and resolves once the batches in hand are settled (applied or failed). */
  stop(): Promise<void>
}

export interface QueueStats {
  /** Jobs waiting to run, retries included. */
  queued: number
  /** Jobs a worker holds right now. */
  active: number
  /** Jobs that failed every retry and wait in the dead-letter queue for `replayDead`. */
  dead: number
  /** How long the oldest waiting job has waited, in ms; null when nothing waits. */
  oldestQueuedAgeMs: number | null
}

/**
 * What queue mode needs from a durable job queue (`@clerk-sync/queue-pg-boss`). The engine keeps
 * the jobs, retries them with back-off, expires the jobs of a worker that died, and dead-letters
 * what keeps failing; clerk-sync verifies before `enqueue` and applies in `work`.
 */
export interface EventQueue {
  /** For logs and `clerk-sync queue status`: the engine and the queue's name. */
  readonly description: string
  /**
   * Stores the event durably; resolves only after the job is committed, so the delivery may then
   * be acknowledged. Collapses a duplicate `svix-id` while its job is queued, running or
   * dead-lettered (re-queueing a dead one). Rejects when the job could not be stored: the
   * delivery is then answered 500 and Svix retries.
   */
  enqueue(event: QueuedEvent): Promise<EnqueueOutcome>
  /**
   * Fetches jobs and hands them to `apply` until the handle is stopped. Resolves with a handle
   * whose `stop` is a function (`startWorker` refuses anything else with QUEUE_FAILED).
   */
  work(options: QueueWorkOptions, apply: ApplyQueuedEvents): Promise<QueueWorkerHandle>
  /**
   * Queries the engine live on every call, never a cached sample: `clerk-sync check` uses it as
   * the queue's readiness probe, so it must reject when the queue's database does not answer.
   */
  stats(): Promise<QueueStats>
  /**
   * Moves dead-lettered events back to the queue, oldest first; resolves with how many moved.
   * Without `limit` it moves every dead letter (in as many internal steps as the engine needs);
   * with `limit` (a positive integer) at most that many.
   */
  replayDead(options?: { limit?: number }): Promise<number>
}
