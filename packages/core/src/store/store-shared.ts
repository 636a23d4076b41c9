// What the SQL stores (Drizzle, Prisma) share beyond the write flows: retries, dates read back
// from drivers, and the hints their conflict errors carry.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `run` again when the database aborted it for a deadlock or serialization failure (as
 * `isRetryable` tells), at most `maxAttempts` times in all, with jittered exponential back-off, so
 * such races never reach Svix as a 500. Any other error, or the last attempt's, is thrown as is.
 */
export async function withRetries<T>(
  maxAttempts: number,
  isRetryable: (error: unknown) => boolean,
  run: () => Promise<T> | T,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error
      await sleep(Math.random() * 20 * 2 ** attempt)
    }
  }
}

/**
 * A timestamp as a driver returns it: a Date, epoch milliseconds (number or bigint), or text. Text
 * without a zone (SQLite's `2024-01-02 03:04:05`, MySQL's DATETIME) is read as UTC.
 */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value))
  const text = String(value)
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`)
}

/** The hint a store's UNIQUE violation on the app's table ends with. */
export const UNIQUE_CONFLICT_HINT =
  'another user holds this value, usually because it moved between two users and the other ' +
  'user’s update has not arrived yet. Answered 500: Svix retries, and the write applies once that update lands.'

/**
 * The hint a store's NOT NULL violation on the app's table ends with; `remedy` names the schema
 * change in the store's words, e.g. 'Make the column nullable'.
 */
export function notNullConflictHint(remedy: string): string {
  return (
    'the user has no value for it (Clerk allows users without an email, e.g. phone or username ' +
    `sign-ups). ${remedy} or fill it in mapUser; until then Svix retries and fails.`
  )
}
