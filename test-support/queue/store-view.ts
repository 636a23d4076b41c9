/**
 * The store's own view of the database (getUser, listUsers, countUsersByRole), read in the test
 * process, in the shape the convergence checks take (test-support/chaos/verify.ts). The chaos
 * harness reads it from a built inspector process; queue tests run from sources, so it is read here.
 */
import type { UserStore } from '@clerk-sync/core'
import type { StoredUserJSON, StoreView } from '../chaos/inspect-store.js'

const MAX_PAGES = 1000

export async function readStoreView(store: UserStore, ids: string[]): Promise<StoreView> {
  const users: StoreView['users'] = {}
  for (const id of ids) users[id] = (await store.getUser(id)) as StoredUserJSON | null
  const listed: string[] = []
  let cursor: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await store.listUsers({ limit: 500, cursor })
    listed.push(...result.users.map((user) => user.id))
    cursor = result.nextCursor
    if (!cursor) break
  }
  if (cursor) throw new Error(`listUsers still had pages after ${MAX_PAGES}`)
  const countsByRole = (await store.countUsersByRole()) as Record<string, number>
  return { users, listed, countsByRole }
}
