import type { ClerkUser, ClerkUserListParams, ClerkUsersApi } from '../clerk-api/clerk-users-api.js'
import { listUsersPage } from '../clerk-api/list-users-page.js'
import { type ClerkRetryInfo, withClerkRetries } from '../clerk-api/with-clerk-retries.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { BackfillCheckpoint } from './checkpoint.js'

/** Clerk's largest `limit` for `GET /v1/users`. */
export const CLERK_LIST_LIMIT_MAX = 500
/**
 * Users re-read at the start of a page that continues a run of equal `created_at`: if they are
 * not the ones handed over last, users earlier in the run were deleted and the offset shifted.
 */
const RUN_OVERLAP = 25
/**
 * Ids of a run kept in the checkpoint (the latest): enough to recognise the overlap, however many
 * users share the instant. Beyond it, a user read again after many deletions is merely written
 * again (harmless under the version guard).
 */
const RUN_IDS_KEPT = 5000

export interface UserPagerOptions {
  clerk: ClerkUsersApi
  /** New users per page, 1..500. */
  pageSize: number
  signal?: AbortSignal
  onRetry?: (info: ClerkRetryInfo) => void
}

export interface ClerkUserPage {
  /** Users not handed over before, oldest first. */
  users: ClerkUserJSON[]
  /** Where the scan stands once these users are handed over. */
  next: BackfillCheckpoint
  /** No user was created after these (when the page was read). */
  done: boolean
}

function jsonOf(user: ClerkUser): ClerkUserJSON {
  if (!user?.raw) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'The Clerk client returned a user without its JSON (`raw`); use @clerk/backend’s createClerkClient.',
    )
  }
  return user.raw
}

function createdAtOf(user: ClerkUserJSON): number {
  return user.created_at ?? user.updated_at
}

/**
 * The next page of Clerk's users after `cursor`, on a keyset of `+created_at`: users created after
 * `cursor.createdAt - 1` (so those at `cursor.createdAt` itself come back), minus the ids already
 * handed over at that instant. Offset paging shifts when an earlier user is deleted mid-scan and
 * would skip a live one; here an offset is used only inside a run of equal `created_at` (bulk
 * imports share one), starting a little before the end of what was handed over: when the first
 * user returned is not one of those, users earlier in the run were deleted, so the page is read
 * again from further back. No count request.
 */
export async function fetchUserPage(
  options: UserPagerOptions,
  cursor: BackfillCheckpoint,
): Promise<ClerkUserPage> {
  const { clerk, pageSize, signal, onRetry } = options
  const seen = new Set(cursor.seenAtCreatedAt)
  const handedOver = handedOverAt(cursor)
  const isSeen = (user: ClerkUserJSON) =>
    cursor.createdAt !== null && createdAtOf(user) === cursor.createdAt && seen.has(user.id)
  let overlap = Math.min(RUN_OVERLAP, pageSize)
  let offset = Math.max(0, handedOver - overlap)
  let checkShift = offset > 0
  for (;;) {
    const reread = Math.min(handedOver - offset, Math.max(overlap, 0))
    const limit = Math.min(CLERK_LIST_LIMIT_MAX, pageSize + Math.max(0, reread))
    const params: ClerkUserListParams = { orderBy: '+created_at', limit }
    if (cursor.createdAt !== null) params.createdAtAfter = cursor.createdAt - 1
    if (offset > 0) params.offset = offset
    const listed = await withClerkRetries(() => listUsersPage(clerk, params), { signal, onRetry })
    const users = listed.map(jsonOf)
    if (checkShift) {
      const first = users[0]
      if (!first || !isSeen(first)) {
        // Users before the offset were deleted: go back further (at offset 0 nothing is skipped).
        overlap = Math.max(1, overlap * 2)
        offset = Math.max(0, handedOver - overlap)
        checkShift = offset > 0
        continue
      }
    }
    const fresh = users.filter((user) => !isSeen(user))
    if (fresh.length === 0 && users.length === limit) {
      // A full page of users already handed over (ties reordered): step over them.
      offset += users.length
      checkShift = false
      continue
    }
    return { users: fresh, next: advance(cursor, fresh), done: users.length < limit }
  }
}

function handedOverAt(cursor: BackfillCheckpoint): number {
  return cursor.seenCount ?? cursor.seenAtCreatedAt.length
}

/** The checkpoint once `fresh` (oldest first) is handed over. */
function advance(cursor: BackfillCheckpoint, fresh: ClerkUserJSON[]): BackfillCheckpoint {
  const last = fresh.at(-1)
  if (!last) return cursor
  const createdAt = createdAtOf(last)
  const atLast = fresh.filter((user) => createdAtOf(user) === createdAt).map((user) => user.id)
  const sameRun = createdAt === cursor.createdAt
  const ids = sameRun ? [...cursor.seenAtCreatedAt, ...atLast] : atLast
  const count = sameRun ? handedOverAt(cursor) + atLast.length : atLast.length
  const seenAtCreatedAt = ids.length > RUN_IDS_KEPT ? ids.slice(-RUN_IDS_KEPT) : ids
  return count > seenAtCreatedAt.length
    ? { version: 1, createdAt, seenAtCreatedAt, seenCount: count }
    : { version: 1, createdAt, seenAtCreatedAt }
}

/**
 * Pages from `start` to the end, each read while the previous one is being written: one page in
 * the caller's hands, the next one in flight. Stopping early (break, throw) cancels the request in
 * flight.
 */
export async function* clerkUserPages(
  options: UserPagerOptions,
  start: BackfillCheckpoint,
): AsyncGenerator<ClerkUserPage, void, undefined> {
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  const fetch = (cursor: BackfillCheckpoint) => {
    const page = fetchUserPage({ ...options, signal }, cursor)
    // Awaited below; this only keeps an abandoned prefetch from being an unhandled rejection.
    page.catch(() => {})
    return page
  }
  let pending: Promise<ClerkUserPage> | null = fetch(start)
  try {
    while (pending) {
      const page: ClerkUserPage = await pending
      pending = page.done ? null : fetch(page.next)
      yield page
    }
  } finally {
    stop.abort()
  }
}
