import type { ErrorCode } from '../errors/clerk-sync-error.js'

/**
 * - `applied`: written. `duplicate`: this `svix-id` was already processed. `stale`: older than the
 *   stored version, or the user is deleted. `ignored`: an event type clerk-sync does not handle.
 *   All four answer 200, which tells Svix to stop.
 * - `rejected`: bad request (4xx), nothing written; Svix retries, and the retries fail the same way.
 * - `failed`: the store or the app's `mapUser` failed (5xx), nothing recorded; Svix retries.
 */
export type WebhookOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored' | 'rejected' | 'failed'

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
}
