import type { Logger } from '../logging/logger.js'
import { type ClerkAuthLike, callerFromClerkAuth } from './caller-from-auth.js'
import type { RoleManager } from './role-manager.js'
import { createSetRoleHandler } from './set-role-handler.js'

/** What every framework adapter's `setRoleHandler` takes; `Ctx` is that framework's request. */
export interface SetRoleRouteOptions<Ctx> {
  /** The caller's Clerk user id or null. Replaces Clerk's own auth for the framework. */
  authenticate?: (ctx: Ctx) => Promise<string | null> | string | null
  /**
   * Origins allowed to call with a session (`https://app.example.com`). A session token whose
   * `azp` names another origin is treated as signed out (401), as Clerk's own `authorizedParties`
   * check does. Used by the default (Clerk) authentication only.
   */
  authorizedParties?: readonly string[]
  /** Where failures are told (default: the console, errors only). */
  logger?: Logger
}

/**
 * Core's set-role handler as an adapter mounts it: the framework's request (`ctx`) reaches
 * `authenticate`, and without one the caller comes from Clerk's SDK for that framework
 * (`clerkAuth`), with `authorizedParties` applied.
 */
export function createSetRoleRoute<R extends string, Ctx>(
  roleManager: RoleManager<R>,
  options: SetRoleRouteOptions<Ctx>,
  clerkAuth: (ctx: Ctx) => Promise<ClerkAuthLike>,
): (request: Request, ctx: Ctx) => Promise<Response> {
  const authenticate =
    options.authenticate ??
    (async (ctx: Ctx) => callerFromClerkAuth(await clerkAuth(ctx), options.authorizedParties))
  return createSetRoleHandler<R, Ctx>({
    roleManager,
    ...(options.logger ? { logger: options.logger } : {}),
    authenticate: (_request, ctx) => authenticate(ctx),
  })
}
