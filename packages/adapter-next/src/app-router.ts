import {
  type ClerkAuthLike,
  type ClerkSync,
  callerFromClerkAuth,
  createSetRoleHandler,
  type Logger,
  type RoleManager,
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

export interface NextSetRoleOptions {
  /** The caller's Clerk user id or null. Default: `auth()` from `@clerk/nextjs/server`. */
  authenticate?: (request: Request) => Promise<string | null> | string | null
  /**
   * Origins allowed to call with a session (`https://app.example.com`). A session token whose
   * `azp` names another origin is treated as signed out (401), as Clerk's own `authorizedParties`
   * check does. Used by the default `auth()` authentication only.
   */
  authorizedParties?: readonly string[]
  /** Where failures are told (default: the console, errors only). */
  logger?: Logger
}

async function clerkNextAuth(authorizedParties: readonly string[] | undefined) {
  let auth: (() => Promise<ClerkAuthLike>) | undefined
  try {
    auth = ((await import('@clerk/nextjs/server' as string)) as { auth: typeof auth }).auth
  } catch {
    throw new Error(
      'setRoleHandler needs @clerk/nextjs (with clerkMiddleware in proxy.ts or middleware.ts) or an `authenticate` option',
    )
  }
  return callerFromClerkAuth(await auth!(), authorizedParties)
}

/**
 * The admin set-role route for the App Router: `export const POST = setRoleHandler(roleManager)`.
 * Every rule (JSON only, body cap, who may call) is core's.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: NextSetRoleOptions = {},
) {
  return createSetRoleHandler({
    roleManager,
    ...(options.logger ? { logger: options.logger } : {}),
    authenticate: options.authenticate ?? (() => clerkNextAuth(options.authorizedParties)),
  })
}
