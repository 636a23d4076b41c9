import type { ClerkUser, ClerkUserListParams, ClerkUsersApi } from './clerk-users-api.js'

/** Clerk's array filters on `GET /users` (`user_id`, `external_id`, `email_address`) take up to 100 values. */
export const CLERK_FILTER_MAX = 100

type RequestLayer = (options: {
  method: 'GET'
  path: string
  queryParams: ClerkUserListParams
}) => Promise<unknown>

/**
 * `@clerk/backend`'s `getUserList` sends a `GET /users/count` beside every `GET /users`, so each
 * page would cost two of the 100 requests per 10 s a development instance allows. Its users API
 * keeps the request function it was built with (`request`, protected in its types); when present,
 * the page goes through it alone.
 */
function requestLayerOf(clerk: ClerkUsersApi): RequestLayer | null {
  const request = (clerk.users as { request?: unknown }).request
  return typeof request === 'function' ? (request as RequestLayer) : null
}

/** One `GET /v1/users` page, without the count request `getUserList` adds. */
export async function listUsersPage(
  clerk: ClerkUsersApi,
  params: ClerkUserListParams,
): Promise<ClerkUser[]> {
  const request = requestLayerOf(clerk)
  if (request) {
    const users = await request({ method: 'GET', path: '/users', queryParams: params })
    if (Array.isArray(users)) return users as ClerkUser[]
  }
  return (await clerk.users.getUserList(params)).data
}
