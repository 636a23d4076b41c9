import type { ClerkUsersApi } from '../clerk-api/clerk-users-api.js'
import { CLERK_FILTER_MAX, listUsersPage } from '../clerk-api/list-users-page.js'
import { type ClerkRetryInfo, withClerkRetries } from '../clerk-api/with-clerk-retries.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { UserStore } from '../store/user-store.js'
import type { BackfillCheckpoint } from './checkpoint.js'
import { countStoredUsers } from './count-stored-users.js'

/**
 * A checkpoint belongs to one Clerk instance and one database. Resumed against another (a
 * staging key, a fresh database), it would skip every user created before it, silently. So the
 * users it ended on must still be in this instance (some of them: one may have been deleted
 * since), and the store must not be empty. Otherwise the run is refused before it writes.
 */
export async function checkResumePoint(
  store: UserStore<string>,
  clerk: ClerkUsersApi,
  checkpoint: BackfillCheckpoint,
  options: { signal?: AbortSignal; onRetry?: (info: ClerkRetryInfo) => void },
): Promise<void> {
  const ids = checkpoint.seenAtCreatedAt.slice(-CLERK_FILTER_MAX)
  if (checkpoint.createdAt === null || ids.length === 0) return
  const refuse = (why: string) =>
    new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `backfill: this checkpoint does not belong here: ${why}. Resuming would skip every user ` +
        'created before it. Start again without it (clerk-sync backfill --restart); a backfill ' +
        'never overwrites newer data, so re-reading costs only time.',
    )
  if ((await countStoredUsers(store)) === 0) throw refuse('the store holds no users')
  const listed = await withClerkRetries(
    () => listUsersPage(clerk, { userId: ids, limit: CLERK_FILTER_MAX }),
    options,
  )
  if (listed.length === 0) {
    throw refuse(
      `none of the ${ids.length} users it ended on exists in this Clerk instance (another secret key?)`,
    )
  }
}
