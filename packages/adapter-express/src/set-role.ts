import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  type ClerkAuthLike,
  callerFromClerkAuth,
  createSetRoleHandler,
  type Logger,
  type RoleManager,
} from '@clerk-sync/core'
import { readNodeBody, toFetchRequest } from '@clerk-sync/core/node'

type Request = IncomingMessage & { body?: unknown; protocol?: string }
type Response = ServerResponse

export interface SetRoleHandlerOptions {
  /**
   * The caller's Clerk user id or null. Default: `getAuth(req).userId` from `@clerk/express`
   * (install it and mount `clerkMiddleware()`).
   */
  authenticate?: (req: Request) => Promise<string | null> | string | null
  /**
   * Origins allowed to call with a session (`https://app.example.com`). A session token whose
   * `azp` names another origin is treated as signed out (401), as Clerk's own `authorizedParties`
   * check does. Used by the default `getAuth` authentication only.
   */
  authorizedParties?: readonly string[]
  /** Where failures are told (default: the console, errors only). */
  logger?: Logger
}

async function clerkExpressAuth(
  req: Request,
  authorizedParties: readonly string[] | undefined,
): Promise<string | null> {
  let getAuth: ((req: unknown) => ClerkAuthLike) | undefined
  try {
    getAuth = ((await import('@clerk/express' as string)) as { getAuth: typeof getAuth }).getAuth
  } catch {
    throw new Error(
      'setRoleHandler needs @clerk/express (with clerkMiddleware() mounted) or an `authenticate` option',
    )
  }
  return callerFromClerkAuth(getAuth!(req), authorizedParties)
}

const MAX_BODY_BYTES = 4096

/**
 * The admin set-role endpoint for Express: `app.post('/api/admin/set-role', setRoleHandler(roleManager))`.
 * All rules (JSON only, body cap, who may call) are core's; this translates the request.
 */
export function setRoleHandler<R extends string>(
  roleManager: RoleManager<R>,
  options: SetRoleHandlerOptions = {},
) {
  const authenticateExpress =
    options.authenticate ?? ((req: Request) => clerkExpressAuth(req, options.authorizedParties))
  const callers = new WeakMap<globalThis.Request, Request>()
  const handle = createSetRoleHandler({
    roleManager,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(options.logger ? { logger: options.logger } : {}),
    authenticate: (request) => authenticateExpress(callers.get(request)!),
  })
  return async (req: Request, res: Response): Promise<void> => {
    const raw = await readNodeBody(req, MAX_BODY_BYTES)
    // No signature here: a body express.json() already parsed can be serialised again.
    const body =
      raw.kind === 'parsed'
        ? JSON.stringify(raw.value ?? null)
        : typeof raw.body === 'string'
          ? raw.body
          : new Uint8Array(raw.body)
    const request = toFetchRequest(req, body)
    callers.set(request, req)
    const response = await handle(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(await response.text())
  }
}
