/** What `auth()` (@clerk/nextjs) and `getAuth(req)` (@clerk/express) return, as far as used here. */
export interface ClerkAuthLike {
  userId: string | null | undefined
  sessionClaims?: { azp?: unknown } | null
}

/**
 * The set-role caller from a Clerk auth object. With `authorizedParties`, a session whose `azp`
 * names another origin counts as signed out: Clerk's own rule (a token without `azp`, minted
 * outside a browser, passes), applied again here so the endpoint holds even when the middleware
 * was configured without it.
 */
export function callerFromClerkAuth(
  auth: ClerkAuthLike,
  authorizedParties?: readonly string[],
): string | null {
  const azp = auth.sessionClaims?.azp
  if (authorizedParties?.length && typeof azp === 'string' && !authorizedParties.includes(azp)) {
    return null
  }
  return auth.userId ?? null
}
