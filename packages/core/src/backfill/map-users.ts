import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { SyncedUser } from '../store/synced-user.js'

export interface MappedUsers<R extends string> {
  users: SyncedUser<R>[]
  /** Users `toSyncedUser` (the app's `mapUser`) refused, with its message. */
  failed: Array<{ id: string; reason: string }>
}

/** Each user through `toSyncedUser`; one that fails is set aside with its reason, the rest go on. */
export async function mapUsers<R extends string>(
  users: ClerkUserJSON[],
  toSyncedUser: (user: ClerkUserJSON) => Promise<SyncedUser<R>>,
): Promise<MappedUsers<R>> {
  const settled = await Promise.allSettled(users.map((user) => toSyncedUser(user)))
  const mapped: MappedUsers<R> = { users: [], failed: [] }
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') mapped.users.push(result.value)
    else {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason)
      mapped.failed.push({ id: users[index]!.id, reason })
    }
  })
  return mapped
}
