import { clerkApiFailure } from '../clerk-api/clerk-api-failure.js'
import type { ClerkUsersApi } from '../clerk-api/clerk-users-api.js'
import { CLERK_FILTER_MAX, listUsersPage } from '../clerk-api/list-users-page.js'
import { clerkStatusOf, withClerkRetries } from '../clerk-api/with-clerk-retries.js'
import type { SyncedUser } from '../store/synced-user.js'
import {
  type BackfillContext,
  checkPageSize,
  DEFAULT_BACKFILL_PAGE_SIZE,
  retryLogger,
} from './backfill.js'
import { BoundedList } from './bounded-list.js'
import { initialCheckpoint } from './checkpoint.js'
import { countStoredUsers } from './count-stored-users.js'
import { differingFields } from './differing-fields.js'
import { isAbortOf } from './is-abort.js'
import { mapUsers } from './map-users.js'
import { readStoredUsers } from './read-stored-users.js'
import { clerkUserPages } from './user-pager.js'

export interface ReconcileOptions {
  /** `createClerkClient({ secretKey })` from `@clerk/backend`, for the instance the store syncs. */
  clerk: ClerkUsersApi
  /** Repair what is found; default false (report only). */
  apply?: boolean
  /** Tombstone even more than max(10, 1% of the stored users). */
  force?: boolean
  /** Clerk users per page, 1..500; default 500. */
  pageSize?: number
  /** Stops at the next page boundary; nothing is tombstoned then. */
  signal?: AbortSignal
  onProgress?: (progress: ReconcileProgress) => void
  /** Each drift found, as it is found (after its repair, when `apply`). */
  onItem?: (item: DriftItem) => void
}

export interface ReconcileProgress {
  /** `clerk`: paging Clerk's users; `local`: looking the store's users up in Clerk. */
  phase: 'clerk' | 'local'
  scanned: number
  elapsedMs: number
}

export type DriftItem =
  /** In Clerk, not in the store. */
  | { kind: 'missing'; userId: string; repaired: boolean }
  /** In both, and the store's fields differ from Clerk's (Clerk's version is not older). */
  | { kind: 'different'; userId: string; fields: string[]; repaired: boolean }
  /** In the store, and `GET /users/{id}` answers 404. */
  | { kind: 'gone'; userId: string; repaired: boolean }

export interface ReconcileResult {
  clerkScanned: number
  localScanned: number
  missing: number
  different: number
  gone: number
  repaired: number
  /** Set when tombstones were refused (too many, or every stored user): nothing was tombstoned. */
  refused: null | { wouldTombstone: number; limit: number; message: string }
  /** The first 1000 items. */
  items: DriftItem[]
  itemsTruncated: boolean
  durationMs: number
  aborted: boolean
}

const ITEMS_KEPT = 1000
/** The store's users read per `listUsers` page. */
const LOCAL_PAGE_SIZE = 1000
const MIN_TOMBSTONE_LIMIT = 10

/** Without `force`, at most max(10, 1% of the stored users) are tombstoned in one run. */
export function tombstoneLimit(storedUsers: number): number {
  return Math.max(MIN_TOMBSTONE_LIMIT, Math.floor(storedUsers / 100))
}

/**
 * Compares the store with Clerk, in two passes with memory flat in the number of users:
 * 1. Clerk's users, paged as backfill pages them, each page against the store's rows: `missing`
 *    and `different` (a stored version newer than Clerk's is a webhook that landed, not drift).
 * 2. The store's ids, looked up in Clerk 100 per call with the `user_id` filter; an id not listed
 *    is `gone` only once `GET /users/{id}` answers 404 (a user created since the listing, or a key
 *    for another instance, must never tombstone live users). Tombstones are forever: without
 *    `force` more than max(10, 1%) are refused, and a run in which no stored user exists in Clerk
 *    (most likely the wrong instance's key) is refused even with it.
 * With `apply`, missing and different users go through the store's guarded bulk upsert (source
 * `reconcile`) and gone ones through `deleteUser`.
 */
/**
 * A webhook newer than Clerk's listing landed after the page was read: not drift. A table without
 * an `updatedAt` column reads it back as null; then the store's version guard decides on repair.
 */
function isNewerLocally(local: SyncedUser<string>, clerk: SyncedUser<string>): boolean {
  const stored = local.updatedAt as Date | null
  return stored !== null && stored.getTime() > clerk.updatedAt.getTime()
}

export async function runReconcile<R extends string>(
  context: BackfillContext<R>,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const started = performance.now()
  const elapsedMs = () => Math.round(performance.now() - started)
  const { clerk, signal, onProgress, onItem } = options
  const apply = options.apply === true
  const pageSize = checkPageSize(options.pageSize ?? DEFAULT_BACKFILL_PAGE_SIZE, 'reconcile')
  const { store, logger } = context
  const onRetry = retryLogger(logger, 'reconcile')
  const items = new BoundedList<DriftItem>(ITEMS_KEPT)
  const counts = { missing: 0, different: 0, gone: 0, repaired: 0 }
  const report = (item: DriftItem) => {
    counts[item.kind] += 1
    if (item.repaired) counts.repaired += 1
    items.push(item)
    onItem?.(item)
  }
  const result = (
    scanned: { clerk: number; local: number },
    refused: ReconcileResult['refused'],
    aborted: boolean,
  ): ReconcileResult => ({
    clerkScanned: scanned.clerk,
    localScanned: scanned.local,
    ...counts,
    refused,
    items: items.items,
    itemsTruncated: items.truncated,
    durationMs: elapsedMs(),
    aborted,
  })
  const scanned = { clerk: 0, local: 0 }

  // Before anything is written: the users stored now (the tombstone limit counts these, not the
  // ones this run adds), and whether the key's instance holds any of them. A key for another
  // instance would otherwise write that instance's users as "missing", find them again in pass 2
  // and tombstone every real user.
  const storedUsers = await countStoredUsers(store)
  const limit = tombstoneLimit(storedUsers)
  let sampled = 0
  try {
    const sample = (await store.listUsers({ limit: CLERK_FILTER_MAX })).users.map((u) => u.id)
    sampled = sample.length
    if (sample.length > 0) {
      const listed = await withClerkRetries(
        () => listUsersPage(clerk, { userId: sample, limit: CLERK_FILTER_MAX }),
        { signal, onRetry },
      )
      if (listed.length === 0) {
        return result(scanned, wrongInstance(sampled, limit), false)
      }
    }
  } catch (error) {
    if (isAbortOf(signal, error)) return result(scanned, null, true)
    throw clerkApiFailure(error, 'reconcile')
  }

  // Pass 1: Clerk's users against the store.
  try {
    const pager = { clerk, pageSize, onRetry, ...(signal ? { signal } : {}) }
    for await (const page of clerkUserPages(pager, initialCheckpoint())) {
      const mapped = await mapUsers(page.users, context.toSyncedUser)
      for (const { id, reason } of mapped.failed) {
        logger.warn(`reconcile: user ${id} skipped, mapUser failed: ${reason}`, { userId: id })
      }
      const stored = await readStoredUsers(
        store,
        mapped.users.map((user) => user.id),
      )
      const drift: Array<{ user: SyncedUser<R>; fields: string[] | null }> = []
      for (const user of mapped.users) {
        const local = stored.get(user.id)
        if (!local) drift.push({ user, fields: null })
        else if (!isNewerLocally(local, user)) {
          const fields = differingFields(user, local, store.mappedFields)
          if (fields.length > 0) drift.push({ user, fields })
        }
      }
      let repairedIds = new Set<string>()
      if (apply && drift.length > 0) {
        const written = await store.upsertUsers({
          users: drift.map((d) => d.user),
          origin: { source: 'reconcile', actor: null },
        })
        repairedIds = new Set(written.applied)
        for (const { id, reason } of written.failed) {
          logger.warn(`reconcile: user ${id} not repaired: ${reason}`, { userId: id })
        }
      }
      for (const { user, fields } of drift) {
        const repaired = repairedIds.has(user.id)
        report(
          fields
            ? { kind: 'different', userId: user.id, fields, repaired }
            : { kind: 'missing', userId: user.id, repaired },
        )
      }
      scanned.clerk += page.users.length
      onProgress?.({ phase: 'clerk', scanned: scanned.clerk, elapsedMs: elapsedMs() })
      if (signal?.aborted && !page.done) return result(scanned, null, true)
    }
  } catch (error) {
    if (isAbortOf(signal, error)) return result(scanned, null, true)
    throw clerkApiFailure(error, 'reconcile')
  }

  // Pass 2: the store's ids looked up in Clerk.
  const force = options.force === true
  const gone: string[] = []
  let foundInClerk = 0
  let aborted = false
  let overLimit = false
  try {
    let cursor: string | null = null
    scan: do {
      const page = await store.listUsers({ limit: LOCAL_PAGE_SIZE, cursor })
      const ids = page.users.map((user) => user.id)
      for (let i = 0; i < ids.length; i += CLERK_FILTER_MAX) {
        const chunk = ids.slice(i, i + CLERK_FILTER_MAX)
        const listed = await withClerkRetries(
          () => listUsersPage(clerk, { userId: chunk, limit: CLERK_FILTER_MAX }),
          { signal, onRetry },
        )
        const inClerk = new Set(listed.map((user) => user.id))
        foundInClerk += inClerk.size
        for (const id of chunk) {
          if (inClerk.has(id) || !(await isGoneFromClerk(clerk, id, signal, onRetry))) continue
          gone.push(id)
          if (!force && gone.length > limit) {
            // Refused whatever the rest holds: no need to confirm more ids one by one.
            overLimit = true
            break scan
          }
        }
      }
      scanned.local += ids.length
      onProgress?.({ phase: 'local', scanned: scanned.local, elapsedMs: elapsedMs() })
      cursor = page.nextCursor
      if (signal?.aborted && cursor) {
        aborted = true
        break
      }
    } while (cursor)
  } catch (error) {
    if (!isAbortOf(signal, error)) throw clerkApiFailure(error, 'reconcile')
    aborted = true
  }

  let refused: ReconcileResult['refused'] = null
  if (overLimit) {
    refused = {
      wouldTombstone: gone.length,
      limit,
      message:
        `Refused to tombstone: at least ${gone.length} of ${storedUsers} stored users are gone ` +
        `from Clerk, more than the limit of ${limit} (max(10, 1%)). Tombstones are forever: ` +
        'check that the secret key is for the instance this store syncs, then run again with force.',
    }
  } else if (!aborted && gone.length > 0 && foundInClerk === 0) {
    refused = { ...wrongInstance(scanned.local, limit), wouldTombstone: gone.length }
  }
  const tombstone = apply && !aborted && refused === null
  for (const userId of gone) {
    let repaired = false
    if (tombstone) {
      const { outcome } = await store.deleteUser({ userId, deletedAt: new Date() })
      repaired = outcome === 'applied'
    }
    report({ kind: 'gone', userId, repaired })
  }
  return result(scanned, refused, aborted)
}

function wrongInstance(checked: number, limit: number): NonNullable<ReconcileResult['refused']> {
  return {
    wouldTombstone: 0,
    limit,
    message:
      `Refused: none of the ${checked} stored users checked exists in this Clerk instance, so the ` +
      'secret key is most likely for another instance (development vs production). Nothing was ' +
      'written or tombstoned, even with force. If those users really were all deleted in Clerk, ' +
      'delete them with sync.store.deleteUser.',
  }
}

/** True only when Clerk answers 404 for the id; any other failure (after retries) throws. */
async function isGoneFromClerk(
  clerk: ClerkUsersApi,
  userId: string,
  signal: AbortSignal | undefined,
  onRetry: ReturnType<typeof retryLogger>,
): Promise<boolean> {
  try {
    await withClerkRetries(() => clerk.users.getUser(userId), { signal, onRetry })
    return false
  } catch (error) {
    if (clerkStatusOf(error) === 404) return true
    throw error
  }
}
