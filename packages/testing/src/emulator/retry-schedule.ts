const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/**
 * Svix's schedule (docs.svix.com/retries, which Clerk's webhook docs point to): the delay before
 * each attempt, counted from the previous failure. Eight attempts in all, about 27.6 hours.
 */
export const SVIX_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
])

/** Svix gives an endpoint 15 s to answer before counting the attempt as failed. */
export const SVIX_TIMEOUT_MS = 15 * SECOND
