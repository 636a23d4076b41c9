import type { SyncedUser } from '../store/synced-user.js'
import type { UserStore } from '../store/user-store.js'

/** `getUsers` takes up to 1000 ids per call. */
const GET_USERS_MAX = 1000
/** Parallel `getUser` calls for a store without `getUsers`. */
const GET_USER_CONCURRENCY = 8

/** The stored (live) users among `ids`, by id: one query per 1000 ids where the store can. */
export async function readStoredUsers<R extends string>(
  store: UserStore<R>,
  ids: string[],
): Promise<Map<string, SyncedUser<R>>> {
  const found = new Map<string, SyncedUser<R>>()
  if (store.getUsers) {
    for (let i = 0; i < ids.length; i += GET_USERS_MAX) {
      for (const user of await store.getUsers(ids.slice(i, i + GET_USERS_MAX))) {
        found.set(user.id, user)
      }
    }
    return found
  }
  let next = 0
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!
      const user = await store.getUser(id)
      if (user) found.set(id, user)
    }
  }
  await Promise.all(Array.from({ length: Math.min(GET_USER_CONCURRENCY, ids.length) }, worker))
  return found
}
