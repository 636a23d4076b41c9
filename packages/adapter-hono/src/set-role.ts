import {
  type ClerkAuthLike,
  callerFromClerkAuth,
  createSetRoleHandler,
  type Logger,
  type RoleManager,
} from '@clerk-sync/core'
import type { Context } from 'hono'

export interface SetRoleHandlerOptions {
  /** The caller's Clerk user id or null. Default: `getAuth(c).userId` from `@clerk/hono`. */
  authenticate?: (c: Context) => Promise<string | null> | string | null
  /**
   * Origins allowed to call with a session (`https://app.example.com`). A session token whose
   * `azp` names another origin is treated as signed out (401), as Clerk's own `authorizedParties`
   * check does. Used by the default `getAuth` authentication only.
   */
  authorizedParties?: readonly string[]
  /** Where failures are told (default: the console, errors only). */
  logger?: Logger
}

async function clerkHonoAuth(
  c: Context,
  authorizedParties: readonly string[] | undefined,
): Promise<string | null> {
  let getAuth: ((c: Context) => ClerkAuthLike) | undefined
  try {
    getAuth = ((await import('@clerk/hono' as string)) as { getAuth: typeof getAuth }).getAuth
  } catch {
    throw new Error(
      "setRoleHandler needs @clerk/hono (with app.use('*', clerkMiddleware())) or an `authenticate` option",
    )
  }
  return callerFromClerkAuth(getAuth!(c), authorizedParties)
}

/**
 * The admin set-role endpoint for Hono: `app.post('/api/admin/set-role', setRoleHandler(roleManager))`.
 * All rules (JSON only, body cap, who may call) are core's; this only finds the caller.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: SetRoleHandlerOptions = {},
): (c: Context) => Promise<Response> {
  const authenticateHono =
    options.authenticate ?? ((c: Context) => clerkHonoAuth(c, options.authorizedParties))
  const contexts = new WeakMap<Request, Context>()
  const handle = createSetRoleHandler({
    roleManager,
    ...(options.logger ? { logger: options.logger } : {}),
    authenticate: (request) => authenticateHono(contexts.get(request)!),
  })
  return async (c) => {
    let request = c.req.raw
    // No signature here: a body a middleware already read comes back from Hono's cache.
    if (request.bodyUsed) {
      request = new Request(request, { body: await c.req.arrayBuffer() })
    }
    contexts.set(request, c)
    return handle(request)
  }
}
