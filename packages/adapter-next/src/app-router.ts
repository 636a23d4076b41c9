import { type ClerkSync, createSetRoleHandler, type RoleManager } from '@clerk-sync/core'

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
}

async function clerkNextAuth(): Promise<string | null> {
  let auth: (() => Promise<{ userId: string | null }>) | undefined
  try {
    auth = ((await import('@clerk/nextjs/server' as string)) as { auth: typeof auth }).auth
  } catch {
    throw new Error(
      'setRoleHandler needs @clerk/nextjs (with clerkMiddleware in middleware.ts) or an `authenticate` option',
    )
  }
  return (await auth!()).userId
}

/**
 * The admin set-role route for the App Router: `export const POST = setRoleHandler(roleManager)`.
 * Every rule (JSON only, body cap, who may call) is core's.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: NextSetRoleOptions = {},
) {
  return createSetRoleHandler({ roleManager, authenticate: options.authenticate ?? clerkNextAuth })
}
