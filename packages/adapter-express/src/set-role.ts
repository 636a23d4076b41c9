import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type ClerkAuthLike,
  consoleLogger,
  createSetRoleRoute,
  type RoleManager,
  type SetRoleRouteOptions,
} from '@clerk-sync/core'
import { answerNodeRequest } from '@clerk-sync/core/node'

type Request = IncomingMessage & { body?: unknown }
type Response = ServerResponse

/** `authenticate(req)` replaces the default, `getAuth(req)` from `@clerk/express`. */
export type SetRoleHandlerOptions = SetRoleRouteOptions<Request>

async function clerkExpressAuth(req: Request): Promise<ClerkAuthLike> {
  const clerk = (await import('@clerk/express' as string).catch(() => {
    throw new Error(
      'setRoleHandler needs @clerk/express (with clerkMiddleware() mounted) or an `authenticate` option',
    )
  })) as { getAuth(req: unknown): ClerkAuthLike }
  return clerk.getAuth(req)
}

/**
 * The admin set-role endpoint for Express: `app.post('/api/admin/set-role', setRoleHandler(roleManager))`.
 * All rules (JSON only, body cap, who may call) are core's; this translates the request. No
 * signature here, so a body `express.json()` already parsed is serialised again.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: SetRoleHandlerOptions = {},
): (req: Request, res: Response) => Promise<void> {
  const route = createSetRoleRoute(roleManager, options, clerkExpressAuth)
  const logger = options.logger ?? consoleLogger()
  return (req, res) =>
    answerNodeRequest(
      req,
      res,
      { framework: 'express', parsedBody: 'json' },
      (request) => route(request, req),
      (error) =>
        logger.error(`Set-role failed: ${error instanceof Error ? error.message : String(error)}`),
    )
}
