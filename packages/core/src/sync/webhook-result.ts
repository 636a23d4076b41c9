import type { ErrorCode } from '../errors/clerk-sync-error.js'
import type { QueueStats } from '../queue/event-queue.js'

/**
 * - `applied`: written. `duplicate`: this `svix-id` was already processed (or, in queue mode, is
 *   already queued). `stale`: older than the stored version, or the user is deleted. `ignored`: an
 *   event type clerk-sync does not handle. `queued` (queue mode): stored as a job that a worker
 *   applies. All five answer 200, which tells Svix to stop.
 * - `rejected`: bad request (4xx), nothing written; Svix retries, and the retries fail the same way.
 * - `failed` (5xx), nothing recorded; Svix retries: the store, `mapUser` or `linkLegacyUser`
 *   failed; in queue mode, the queue could not store the job in time (`QUEUE_FAILED`), or a worker
 *   met a job that is not a user event (`EVENT_INVALID`, dead-lettered after its retries).
 */
export type WebhookOutcome =
  | 'applied'
  | 'queued'
  | 'duplicate'
  | 'stale'
  | 'ignored'
  | 'rejected'
  | 'failed'

export interface WebhookResult<R extends string = string> {
  /** The HTTP status to answer with. */
  status: number
  outcome: WebhookOutcome
  /** One sentence for the response body and the log; never a secret or the payload. */
  message: string
  /** Set when `outcome` is `rejected` or `failed`. */
  code?: ErrorCode
  /** `svix-id`, once the headers were read. */
  eventId?: string
  /** Once the verified body was parsed. */
  eventType?: string
  userId?: string
  /** The role written, for upserts that applied. */
  role?: R
  /** The role before an applied upsert (null for a new user). */
  previousRole?: R | null
  /**
   * Set on the results a queue worker reports (queue mode), not on webhook answers, whatever
   * their outcome (a failed write too): how long from receipt to the end of this attempt, and the
   * queue as last sampled by the worker.
   */
  queue?: WorkerResultQueueInfo
}

export interface WorkerResultQueueInfo {
  /** Receipt of the webhook to the end of this attempt's write (applied or not), in ms. */
  delayMs: number
  /** The worker's latest `stats()` sample (taken at most every `statsIntervalMs`), once it has one. */
  stats?: QueueStats & { sampledAt: Date }
}
