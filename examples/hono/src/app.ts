import { clerkMiddleware, getAuth } from '@clerk/hono'
import type { ClerkSync, RoleManager } from '@clerk-sync/core'
import { clerkSyncWebhook, setRoleHandler } from '@clerk-sync/hono'
import { Hono } from 'hono'

export interface AppDependencies {
  sync: ClerkSync
  roleManager: RoleManager
  /** For Clerk's session middleware; `apiUrl` only when talking to the local emulator. */
  clerk: { secretKey: string; publishableKey: string; apiUrl?: string | undefined }
  /** The app's origins (APP_URL): a session whose `azp` names another counts as signed out. */
  authorizedParties?: string[] | undefined
}

const failure = (code: string, message: string) => ({ success: false, error: { code, message } })

/**
 * The app: Clerk's webhooks into the database, admins changing roles, admins listing users.
 * Only the routes that need a caller get Clerk's middleware: Svix calls the webhook without a
 * session, so it stays public and proves itself with its signature instead.
 */
export function createApp({ sync, roleManager, clerk, authorizedParties }: AppDependencies): Hono {
  const parties = authorizedParties ? { authorizedParties } : {}
  const withSession = clerkMiddleware({ ...clerk, ...parties })
  const { roles } = sync

  return new Hono()
    .post('/api/webhooks', clerkSyncWebhook(sync))
    .post('/api/admin/set-role', withSession, setRoleHandler(roleManager, parties))
    .get('/users', withSession, async (c) => {
      const { userId } = getAuth(c)
      if (!userId) return c.json(failure('unauthenticated', 'Sign in first'), 401)
      // A read needs no fresher answer than the synced copy, and costs no call to Clerk; role
      // changes go through set-role, which asks Clerk.
      const caller = await sync.store.getUser(userId)
      if (caller?.role !== roles.adminRole) {
        return c.json(failure('forbidden', `Only ${roles.adminRole} users can list users`), 403)
      }
      const role = c.req.query('role') || undefined
      if (role !== undefined && !roles.isRole(role)) {
        return c.json(
          failure('invalid_request', `role must be one of ${roles.roles.join(', ')}`),
          400,
        )
      }
      try {
        return c.json(await sync.store.listUsers({ role, cursor: c.req.query('cursor') }))
      } catch (error) {
        // The store refuses a cursor it never issued with a RangeError.
        if (error instanceof Error && error.cause instanceof RangeError) {
          return c.json(failure('invalid_request', 'cursor is not one this app issued'), 400)
        }
        throw error
      }
    })
}
