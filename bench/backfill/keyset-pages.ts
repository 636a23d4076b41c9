/**
 * Every user of a Clerk instance, page by page, through the real `@clerk/backend` client, on the
 * keyset the issue prescribes: `+created_at`, `created_at_after` = the last `created_at` seen
 * minus 1, `offset` only inside a run of equal `created_at`, duplicates dropped by id. Each page is
 * one `GET /v1/users` through the client's request layer, as `sync.backfill` sends it
 * (`getUserList` would add a `GET /users/count` per page). Used by the baselines (the emulator's
 * page-serving rate, the per-user loop, the raw insert's rows), so they ask the emulator for the
 * pages a backfill asks for.
 */
import type { ClerkClient, User, UserJSON } from '@clerk/backend'

type ListParams = {
  orderBy: '+created_at'
  limit: number
  offset?: number
  createdAtAfter?: number
}
type RequestLayer = (options: {
  method: 'GET'
  path: string
  queryParams: ListParams
}) => Promise<unknown>

async function listPage(clerk: ClerkClient, params: ListParams): Promise<User[]> {
  // `request` is protected in the client's types; it is the function every endpoint goes through.
  const request = (clerk.users as unknown as { request?: RequestLayer }).request
  if (typeof request === 'function') {
    const users = await request({ method: 'GET', path: '/users', queryParams: params })
    if (Array.isArray(users)) return users as User[]
  }
  return (await clerk.users.getUserList(params)).data
}

export async function* keysetPages(clerk: ClerkClient, pageSize: number): AsyncGenerator<User[]> {
  let lastCreatedAt: number | null = null
  let seenAtLast = new Set<string>()
  for (;;) {
    const data = await listPage(clerk, {
      orderBy: '+created_at',
      limit: pageSize,
      ...(lastCreatedAt === null
        ? {}
        : { createdAtAfter: lastCreatedAt - 1, offset: seenAtLast.size }),
    })
    const fresh = data.filter((user) => !seenAtLast.has(user.id))
    if (fresh.length > 0) yield fresh
    if (data.length < pageSize) return
    const newest = data[data.length - 1]!.createdAt
    if (newest !== lastCreatedAt) {
      lastCreatedAt = newest
      seenAtLast = new Set()
    }
    for (const user of data) if (user.createdAt === newest) seenAtLast.add(user.id)
  }
}

/** The JSON Clerk sent for a user, which `sync.toSyncedUser` maps. */
export function rawOf(user: User): UserJSON {
  if (!user.raw) throw new Error(`backfill bench: user ${user.id} came without its JSON`)
  return user.raw
}
