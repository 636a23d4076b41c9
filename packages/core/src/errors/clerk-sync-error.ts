/**
 * Every failure clerk-sync reports is a `ClerkSyncError` with a `code` from this map, so callers
 * branch on `error.code` rather than on message text.
 */
export const ErrorCode = {
  /** Options given to `createClerkSync` (or read from the environment) cannot work. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** The webhook signing secret is missing, empty or not a `whsec_` base64 key of 24..64 bytes. */
  SIGNING_SECRET_INVALID: 'SIGNING_SECRET_INVALID',
  /** The request was not a POST. */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** The body is larger than `maxBodyBytes`. */
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  /** A framework parsed the body before clerk-sync could read its raw bytes. */
  BODY_ALREADY_PARSED: 'BODY_ALREADY_PARSED',
  /**
   * The body could not be read to its end: the client aborted, the connection reset, or it sent
   * fewer bytes than it declared. Nothing was done; the client is usually gone.
   */
  BODY_UNREADABLE: 'BODY_UNREADABLE',
  /** `svix-id`, `svix-timestamp` or `svix-signature` is missing, blank or repeated. */
  HEADERS_INVALID: 'HEADERS_INVALID',
  /** `svix-timestamp` is not all digits or lies outside the tolerance. */
  TIMESTAMP_INVALID: 'TIMESTAMP_INVALID',
  /** No signature in `svix-signature` matches any configured secret. */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** The verified body is not JSON. */
  BODY_NOT_JSON: 'BODY_NOT_JSON',
  /** The verified JSON is not a Clerk event, or a user event lacks what it needs. */
  EVENT_INVALID: 'EVENT_INVALID',
  /** `mapUser` threw or returned something that is not a plain object of extra columns. */
  MAP_USER_FAILED: 'MAP_USER_FAILED',
  /** A store call failed; `cause` holds the store's own error. */
  STORE_FAILED: 'STORE_FAILED',
  /**
   * The app's table refused the user (a NOT NULL or UNIQUE column); the message names the column
   * and what to do. Answered 5xx: a retry applies once the conflict is gone.
   */
  STORE_CONFLICT: 'STORE_CONFLICT',
  /**
   * The store's tables do not exist in the database it was given (its migration never ran there);
   * the message names the migration to run. Answered 5xx: deliveries apply once it has run.
   */
  STORE_NOT_MIGRATED: 'STORE_NOT_MIGRATED',
  /**
   * Queue mode: the job queue could not store a verified event (its database is down or refused
   * the write). Answered 5xx: nothing was acknowledged, and Svix retries.
   */
  QUEUE_FAILED: 'QUEUE_FAILED',
  /**
   * `sync.startWorker()`, `queueStats()` or `replayDeadEvents()` was called on a `sync` created
   * without `createClerkSync({ queue })`.
   */
  QUEUE_MODE_REQUIRED: 'QUEUE_MODE_REQUIRED',
  /** A role outside the configured roles was asked for. */
  ROLE_INVALID: 'ROLE_INVALID',
  /** The user does not exist in Clerk. */
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  /**
   * The caller of an admin-only change is not (or no longer) an admin in Clerk: checked again
   * where admin demotions run one at a time, so a caller demoted a moment ago is refused.
   */
  ACTOR_NOT_ADMIN: 'ACTOR_NOT_ADMIN',
  /** The change would leave no user with the admin role. */
  LAST_ADMIN: 'LAST_ADMIN',
  /** Clerk's Backend API failed or was unreachable; nothing changed. */
  CLERK_API_FAILED: 'CLERK_API_FAILED',
  /**
   * `linkLegacyUser` threw for a `user.created` carrying an `external_id`: nothing was written,
   * and the delivery is answered 5xx so Svix retries it.
   */
  LEGACY_LINK_FAILED: 'LEGACY_LINK_FAILED',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

export class ClerkSyncError extends Error {
  override readonly name = 'ClerkSyncError'
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isClerkSyncError(error: unknown, code?: ErrorCode): error is ClerkSyncError {
  return error instanceof ClerkSyncError && (code === undefined || error.code === code)
}
