import {
  type ClerkAuthLike,
  createSetRoleRoute,
  type RoleManager,
  type SetRoleRouteOptions,
} from '@clerk-sync/core'
import { incomingMessageToRequest } from '@clerk-sync/core/node'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { sendFastifyReply } from './send-reply.js'

/** `authenticate(request)` replaces the default, `getAuth(request)` from `@clerk/fastify`. */
export type SetRoleHandlerOptions = SetRoleRouteOptions<FastifyRequest>

async function clerkFastifyAuth(request: FastifyRequest): Promise<ClerkAuthLike> {
  const clerk = (await import('@clerk/fastify' as string).catch(() => {
    throw new Error(
      'setRoleHandler needs @clerk/fastify (with app.register(clerkPlugin)) or an `authenticate` option',
    )
  })) as { getAuth(request: FastifyRequest): ClerkAuthLike }
  return clerk.getAuth(request)
}

/**
 * The admin set-role route for Fastify: `app.post('/api/admin/set-role', setRoleHandler(roleManager))`.
 * Fastify's own JSON parser may run first (no signature to keep); every rule after that (JSON
 * only, 4 KiB body cap, who may call) is core's.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: SetRoleHandlerOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const route = createSetRoleRoute(roleManager, options, clerkFastifyAuth)
  return async (request, reply) => {
    const webRequest = incomingMessageToRequest(request.raw, {
      framework: 'fastify',
      parsedBody: 'json',
      body: request.body,
    })
    return sendFastifyReply(request.raw, reply, await route(webRequest, request))
  }
}
