import { clerkApiFailure } from '../clerk-api/clerk-api-failure.js'
import type { ClerkUsersApi } from '../clerk-api/clerk-users-api.js'
import type { ClerkRetryInfo } from '../clerk-api/with-clerk-retries.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { Logger } from '../logging/logger.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { UserStore } from '../store/user-store.js'
import { BoundedList } from './bounded-list.js'
import { checkResumePoint } from './check-resume-point.js'
import { type BackfillCheckpoint, checkCheckpoint, initialCheckpoint } from './checkpoint.js'
import { isAbortOf } from './is-abort.js'
import { mapUsers } from './map-users.js'
import { checkMaxPerSecond, type PacingClock, RatePacer } from './rate-pacer.js'
import { CLERK_LIST_LIMIT_MAX, clerkUserPages } from './user-pager.js'

export interface BackfillOptions {
  /** `createClerkClient({ secretKey })` from `@clerk/backend`. */
  clerk: ClerkUsersApi
  /** Users per `GET /v1/users` page, 1..500; default 500. */
  pageSize?: number
  /** Stops at the next page boundary; the result says `aborted` and holds the checkpoint. */
  signal?: AbortSignal
  /** After each page written (the last one with `done: true`): persist `checkpoint` here. */
  onProgress?: (progress: BackfillProgress) => void
  /** A checkpoint from an earlier run (its last `onProgress`), to go on from there. */
  resumeFrom?: BackfillCheckpoint | null
  /**
   * A cap on the average rate, in users read per second since the call began: after each page
   * written, the run waits as long as needed to stay at or under it (Ctrl-C / `signal` cuts the
   * wait short). Leaves the database room for live webhooks during a backfill. Default: no cap.
   */
  maxUsersPerSecond?: number
}

export interface BackfillProgress {
  /** Users read from Clerk so far (this run). */
  scanned: number
  applied: number
  stale: number
  failed: number
  pages: number
  elapsedMs: number
  checkpoint: BackfillCheckpoint
  done: boolean
}

export interface BackfillResult {
  scanned: number
  /** Written: new, or at least as new as the stored version. */
  applied: number
  /** Skipped: the store holds a newer version (a webhook landed), or the user is deleted. */
  stale: number
  /** Refused by `mapUser` or by the app's table; the first 100 are in `failures`. */
  failed: number
  failures: Array<{ id: string; reason: string }>
  durationMs: number
  aborted: boolean
  /** Where the run stopped; pass it as `resumeFrom` to go on. */
  checkpoint: BackfillCheckpoint
}

export interface BackfillContext<R extends string> {
  store: UserStore<R>
  toSyncedUser(user: ClerkUserJSON): Promise<SyncedUser<R>>
  logger: Logger
  /** The pacer's time (`maxUsersPerSecond`); the system clock unless a test passes its own. */
  clock?: PacingClock
}

export const DEFAULT_BACKFILL_PAGE_SIZE = CLERK_LIST_LIMIT_MAX
const FAILURES_KEPT = 100

export function checkPageSize(pageSize: number, method: string): number {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > CLERK_LIST_LIMIT_MAX) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `${method}: \`pageSize\` must be an integer from 1 to ${CLERK_LIST_LIMIT_MAX}, got ${pageSize}.`,
    )
  }
  return pageSize
}

export function retryLogger(logger: Logger, what: string): (info: ClerkRetryInfo) => void {
  return ({ attempt, delayMs, status }) =>
    logger.warn(
      `${what}: Clerk answered ${status ?? 'with a network failure'}; retrying in ${delayMs} ms`,
      { attempt },
    )
}

/**
 * Imports the users Clerk already has, page by page (`+created_at` keyset, see user-pager.ts),
 * each page in one bulk upsert under the store's version guard: never over a newer webhook write,
 * never over a tombstone. Memory holds two pages whatever the number of users.
 */
export async function runBackfill<R extends string>(
  context: BackfillContext<R>,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const started = performance.now()
  const { clerk, signal, onProgress } = options
  const pageSize = checkPageSize(options.pageSize ?? DEFAULT_BACKFILL_PAGE_SIZE, 'backfill')
  const pacer =
    options.maxUsersPerSecond === undefined
      ? null
      : new RatePacer(
          checkMaxPerSecond(options.maxUsersPerSecond, 'maxUsersPerSecond', 'backfill'),
          context.clock,
        )
  let checkpoint = options.resumeFrom ? checkCheckpoint(options.resumeFrom) : initialCheckpoint()
  const totals = { scanned: 0, applied: 0, stale: 0, failed: 0, pages: 0 }
  const failures = new BoundedList<{ id: string; reason: string }>(FAILURES_KEPT)
  const fail = (items: Array<{ id: string; reason: string }>) => {
    totals.failed += items.length
    for (const item of items) failures.push(item)
  }
  let aborted = false
  const pager = {
    clerk,
    pageSize,
    ...(signal ? { signal } : {}),
    onRetry: retryLogger(context.logger, 'backfill'),
  }
  try {
    if (options.resumeFrom) await checkResumePoint(context.store, clerk, checkpoint, pager)
    for await (const page of clerkUserPages(pager, checkpoint)) {
      const mapped = await mapUsers(page.users, context.toSyncedUser)
      fail(mapped.failed)
      if (mapped.users.length > 0) {
        const written = await context.store.upsertUsers({
          users: mapped.users,
          origin: { source: 'backfill', actor: null },
        })
        totals.applied += written.applied.length
        totals.stale += written.stale.length
        fail(written.failed)
      }
      totals.scanned += page.users.length
      totals.pages += 1
      checkpoint = page.next
      onProgress?.({
        ...totals,
        elapsedMs: Math.round(performance.now() - started),
        checkpoint,
        done: page.done,
      })
      if (signal?.aborted && !page.done) {
        aborted = true
        break
      }
      // The page is committed and checkpointed: an abort during the wait loses nothing.
      if (pacer && !page.done) await pacer.pace(totals.scanned, signal)
    }
  } catch (error) {
    if (!isAbortOf(signal, error)) throw clerkApiFailure(error, 'backfill')
    aborted = true
  }
  return {
    scanned: totals.scanned,
    applied: totals.applied,
    stale: totals.stale,
    failed: totals.failed,
    failures: failures.items,
    durationMs: Math.round(performance.now() - started),
    aborted,
    checkpoint,
  }
}
