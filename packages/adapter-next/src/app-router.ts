import {
  type ClerkAuthLike,
  type ClerkSync,
  createSetRoleRoute,
  type RoleManager,
  type SetRoleRouteOptions,
} from '@clerk-sync/core'

/**
 * The webhook route for the App Router: `export const POST = webhookHandler(sync)` in
 * `app/api/webhooks/route.ts`. Route handlers get the fetch `Request` untouched, so the signed
 * bytes are read as sent. Runs on the Node.js runtime (the default); core needs nothing Node-only,
 * but the stores do.
 */
export function webhookHandler(sync: ClerkSync<string>): (request: Request) => Promise<Response> {
  return (request) => sync.handleWebhook(request)
}

/** `authenticate(request)` replaces the default, `auth()` from `@clerk/nextjs/server`. */
export type NextSetRoleOptions = SetRoleRouteOptions<Request>

async function clerkNextAuth(): Promise<ClerkAuthLike> {
  const clerk = (await import('@clerk/nextjs/server' as string).catch(() => {
    throw new Error(
      'setRoleHandler needs @clerk/nextjs (with clerkMiddleware in proxy.ts or middleware.ts) or an `authenticate` option',
    )
  })) as { auth(): Promise<ClerkAuthLike> }
  return clerk.auth()
}

/**
 * The admin set-role route for the App Router: `export const POST = setRoleHandler(roleManager)`.
 * Every rule (JSON only, body cap, who may call) is core's.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: NextSetRoleOptions = {},
) {
  const route = createSetRoleRoute(roleManager, options, clerkNextAuth)
  return (request: Request) => route(request, request)
}
