import { clerkPlugin, getAuth } from '@clerk/fastify'
import type { ClerkSync, RoleManager } from '@clerk-sync/core'
import { clerkSyncWebhook, setRoleHandler } from '@clerk-sync/fastify'
import Fastify, { type FastifyInstance } from 'fastify'

export interface AppDependencies {
  sync: ClerkSync
  roleManager: RoleManager
  /** For Clerk's session plugin; `apiUrl` only when talking to the local emulator. */
  clerk: { secretKey: string; publishableKey: string; apiUrl?: string | undefined }
  /** The app's origins (APP_URL): a session whose `azp` names another counts as signed out. */
  authorizedParties?: string[] | undefined
}

const failure = (code: string, message: string) => ({ success: false, error: { code, message } })

/**
 * The app: Clerk's webhooks into the database, admins changing roles, admins listing users.
 * Clerk's plugin is registered inside a scope of its own (Fastify encapsulates plugins), around
 * the routes that need a caller only: Svix calls the webhook without a session, so it stays public
 * and proves itself with its signature instead.
 */
export async function createApp({
  sync,
  roleManager,
  clerk,
  authorizedParties,
}: AppDependencies): Promise<FastifyInstance> {
  const app = Fastify()
  const parties = authorizedParties ? { authorizedParties } : {}
  const { roles } = sync

  // Its own plugin too: it reads the raw body, where the rest of the app keeps Fastify's parsers.
  await app.register(clerkSyncWebhook(sync))

  await app.register(async (withSession) => {
    // @clerk/fastify hands its options on to authenticateRequest, authorizedParties included
    // (its options type does not list it, hence the spread).
    await withSession.register(clerkPlugin, { ...clerk, ...parties })

    withSession.post('/api/admin/set-role', setRoleHandler(roleManager, parties))

    withSession.get<{ Querystring: { role?: string; cursor?: string } }>(
      '/users',
      async (request, reply) => {
        const { userId } = getAuth(request)
        if (!userId) return reply.code(401).send(failure('unauthenticated', 'Sign in first'))
        // A read needs no fresher answer than the synced copy, and costs no call to Clerk; role
        // changes go through set-role, which asks Clerk.
        const caller = await sync.store.getUser(userId)
        if (caller?.role !== roles.adminRole) {
          return reply
            .code(403)
            .send(failure('forbidden', `Only ${roles.adminRole} users can list users`))
        }
        const role = request.query.role || undefined
        if (role !== undefined && !roles.isRole(role)) {
          return reply
            .code(400)
            .send(failure('invalid_request', `role must be one of ${roles.roles.join(', ')}`))
        }
        const { cursor } = request.query
        try {
          return await sync.store.listUsers({
            role,
            cursor: typeof cursor === 'string' ? cursor : undefined,
          })
        } catch (error) {
          // The store refuses a cursor it never issued with a RangeError.
          if (error instanceof Error && error.cause instanceof RangeError) {
            return reply
              .code(400)
              .send(failure('invalid_request', 'cursor is not one this app issued'))
          }
          throw error
        }
      },
    )
  })

  return app
}
