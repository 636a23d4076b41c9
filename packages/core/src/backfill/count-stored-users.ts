import type { UserStore } from '../store/user-store.js'

/** The live users the store holds, all roles together. */
export async function countStoredUsers(store: UserStore<string>): Promise<number> {
  const counts = Object.values<number | undefined>(await store.countUsersByRole())
  return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0)
}
