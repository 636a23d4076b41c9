import {
  type ClerkAuthLike,
  callerFromClerkAuth,
  createSetRoleHandler,
  type Logger,
  type RoleManager,
} from '@clerk-sync/core'
import { toFetchRequest } from '@clerk-sync/core/node'
import type { FastifyReply, FastifyRequest } from 'fastify'

export interface SetRoleHandlerOptions {
  /** The caller's Clerk user id or null. Default: `getAuth(request).userId` from `@clerk/fastify`. */
  authenticate?: (request: FastifyRequest) => Promise<string | null> | string | null
  /**
   * Origins allowed to call with a session (`https://app.example.com`). A session token whose
   * `azp` names another origin is treated as signed out (401), as Clerk's own `authorizedParties`
   * check does. Used by the default `getAuth` authentication only.
   */
  authorizedParties?: readonly string[]
  /** Where failures are told (default: the console, errors only). */
  logger?: Logger
}

async function clerkFastifyAuth(
  request: FastifyRequest,
  authorizedParties: readonly string[] | undefined,
): Promise<string | null> {
  let getAuth: ((request: FastifyRequest) => ClerkAuthLike) | undefined
  try {
    getAuth = ((await import('@clerk/fastify' as string)) as { getAuth: typeof getAuth }).getAuth
  } catch {
    throw new Error(
      'setRoleHandler needs @clerk/fastify (with app.register(clerkPlugin)) or an `authenticate` option',
    )
  }
  return callerFromClerkAuth(getAuth!(request), authorizedParties)
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
  const authenticateFastify =
    options.authenticate ??
    ((request: FastifyRequest) => clerkFastifyAuth(request, options.authorizedParties))
  const callers = new WeakMap<Request, FastifyRequest>()
  const handle = createSetRoleHandler({
    roleManager,
    ...(options.logger ? { logger: options.logger } : {}),
    authenticate: (request) => authenticateFastify(callers.get(request)!),
  })
  return async (request, reply) => {
    const parsed = request.body
    const body =
      parsed === undefined
        ? undefined
        : typeof parsed === 'string'
          ? parsed
          : Buffer.isBuffer(parsed)
            ? new Uint8Array(parsed)
            : JSON.stringify(parsed)
    const fetchRequest = toFetchRequest(request.raw, body, request.url)
    callers.set(fetchRequest, request)
    const response = await handle(fetchRequest)
    return reply
      .code(response.status)
      .headers(Object.fromEntries(response.headers))
      .send(await response.text())
  }
}
