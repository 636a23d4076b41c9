import {
  type ClerkAuthLike,
  createSetRoleRoute,
  type RoleManager,
  type SetRoleRouteOptions,
} from '@clerk-sync/core'
import type { Context } from 'hono'

/** `authenticate(c)` replaces the default, `getAuth(c)` from `@clerk/hono`. */
export type SetRoleHandlerOptions = SetRoleRouteOptions<Context>

async function clerkHonoAuth(c: Context): Promise<ClerkAuthLike> {
  const clerk = (await import('@clerk/hono' as string).catch(() => {
    throw new Error(
      "setRoleHandler needs @clerk/hono (with app.use('*', clerkMiddleware())) or an `authenticate` option",
    )
  })) as { getAuth(c: Context): ClerkAuthLike }
  return clerk.getAuth(c)
}

/**
 * The admin set-role endpoint for Hono: `app.post('/api/admin/set-role', setRoleHandler(roleManager))`.
 * All rules (JSON only, body cap, who may call) are core's.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: SetRoleHandlerOptions = {},
): (c: Context) => Promise<Response> {
  const route = createSetRoleRoute(roleManager, options, clerkHonoAuth)
  return async (c) => {
    let request = c.req.raw
    // No signature here: a body a middleware already read comes back from Hono's cache.
    if (request.bodyUsed) request = new Request(request, { body: await c.req.arrayBuffer() })
    return route(request, c)
  }
}
