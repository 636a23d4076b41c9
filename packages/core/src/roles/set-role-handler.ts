import { z } from 'zod'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { consoleLogger, type Logger } from '../logging/logger.js'
import { describeStoreError } from '../sync/guarded-store.js'
import { readBodyWithCap } from '../sync/read-body.js'
import type { RoleManager } from './role-manager.js'

/** `Ctx` is what the framework gives besides the Request (Express's `req`, Hono's `c`); none by default. */
export interface SetRoleHandlerOptions<R extends string, Ctx = void> {
  roleManager: RoleManager<R>
  /** The caller's Clerk user id, or null when not signed in. The framework adapters supply one. */
  authenticate(request: Request, ctx: Ctx): Promise<string | null> | string | null
  /** Bodies above this get 413. Default 4 KiB: the request is two short fields. */
  maxBodyBytes?: number
  /** Where failures are told, with their causes; answers carry only a fixed message. */
  logger?: Logger
}

/** The default body cap: the request is two short fields. */
export const SET_ROLE_MAX_BODY_BYTES = 4096

type ErrorBody = {
  success: false
  error: { code: string; message: string; fields?: Record<string, string[]> }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

function fail(
  status: number,
  code: string,
  message: string,
  fields?: Record<string, string[]>,
): Response {
  const body: ErrorBody = {
    success: false,
    error: { code, message, ...(fields ? { fields } : {}) },
  }
  return json(status, body, status === 405 ? { allow: 'POST' } : {})
}

/** What each failure answers: status, code, and a fixed message (details go to the log only). */
const failureAnswers: Partial<Record<ErrorCode, [number, string, string]>> = {
  [ErrorCode.USER_NOT_FOUND]: [404, 'user_not_found', 'No such user'],
  [ErrorCode.LAST_ADMIN]: [
    409,
    'last_admin',
    'This would leave no admin; make someone else admin first',
  ],
  [ErrorCode.CLERK_API_FAILED]: [502, 'clerk_failed', 'Clerk did not answer; nothing was changed'],
  [ErrorCode.STORE_FAILED]: [
    500,
    'store_failed',
    'Clerk has the new role, but the local copy was not updated; it will catch up from the webhook',
  ],
  // Clerk changed before these failed too: saying the change failed would invite a second one.
  [ErrorCode.STORE_CONFLICT]: [
    500,
    'store_failed',
    "Clerk has the new role, but the app's users table refused the local copy; see the server log",
  ],
  [ErrorCode.MAP_USER_FAILED]: [
    500,
    'store_failed',
    "Clerk has the new role, but the app's mapUser failed, so the local copy was not updated; see the server log",
  ],
  [ErrorCode.STORE_NOT_MIGRATED]: [
    500,
    'store_failed',
    "Clerk has the new role, but the store's tables are missing, so the local copy was not updated; see the server log",
  ],
  [ErrorCode.ROLE_INVALID]: [400, 'invalid_request', 'Unknown role'],
}

/**
 * The admin endpoint: `POST { targetUserId, role }` → the seed's answer
 * `{ success, message: "User role updated to admin", user: { id, email, firstName, lastName, role } }`.
 * Who may call is judged from the caller's current role in Clerk, never from a session claim (up
 * to a minute old) or the local database. JSON only: a cookie-authenticated `text/plain` POST is a
 * "simple" cross-site request that skips CORS preflight, so refusing it is the CSRF guard.
 *
 * @example export const POST = createSetRoleHandler({ roleManager, authenticate: async (req) => … })
 */
export function createSetRoleHandler<R extends string, Ctx = void>(
  options: SetRoleHandlerOptions<R, Ctx>,
): (request: Request, ctx: Ctx) => Promise<Response> {
  const { roleManager, authenticate } = options
  const logger = options.logger ?? consoleLogger()
  const failure = (error: unknown): Response => {
    const answer = error instanceof ClerkSyncError ? failureAnswers[error.code] : undefined
    const inner =
      error instanceof Error && error.cause !== undefined
        ? ` (${describeStoreError(error.cause)})`
        : ''
    const cause = `${error instanceof Error ? error.message : String(error)}${inner}`
    if (!answer || answer[0] >= 500) logger.error(`Set-role failed: ${cause}`)
    return answer
      ? fail(answer[0], answer[1], answer[2])
      : fail(500, 'internal_error', 'The role could not be changed')
  }
  // Before the change (a quick refusal) and where it runs (ACTOR_NOT_ADMIN): one answer for both.
  const notAdmin = () =>
    fail(403, 'forbidden', `Only ${roleManager.roles.adminRole} users can change roles`)
  const maxBodyBytes = options.maxBodyBytes ?? SET_ROLE_MAX_BODY_BYTES
  const roles = roleManager.roles.roles as unknown as [R, ...R[]]
  const bodySchema = z.strictObject({
    targetUserId: z.string().min(1, 'targetUserId must be a Clerk user id'),
    role: z.enum(roles, { error: `role must be one of ${roles.join(', ')}` }),
  })

  return async (request, ctx) => {
    if (request.method.toUpperCase() !== 'POST') return fail(405, 'method_not_allowed', 'Use POST')
    const mediaType = (request.headers.get('content-type') ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase()
    if (mediaType !== 'application/json') {
      return fail(415, 'unsupported_media_type', 'Send the body as application/json')
    }
    let caller: string | null
    try {
      caller = await authenticate(request, ctx)
    } catch (error) {
      // Not "signed out": a broken key or an outage must not look like every caller logged off.
      logger.error(
        `Set-role could not authenticate the caller: ${error instanceof Error ? error.message : String(error)}`,
      )
      return fail(500, 'internal_error', 'The caller could not be authenticated')
    }
    if (!caller) return fail(401, 'unauthenticated', 'Sign in first')

    const read = await readBodyWithCap(request, maxBodyBytes)
    if (!read.ok) {
      if (read.reason === 'too_large')
        return fail(413, 'body_too_large', `Body over ${maxBodyBytes} bytes`)
      if (read.reason === 'unreadable')
        return fail(400, 'invalid_request', 'The body could not be read to its end')
      return fail(400, 'invalid_request', 'The body was already read')
    }

    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder().decode(read.body))
    } catch {
      return fail(400, 'invalid_json', 'The body is not valid JSON')
    }
    const input = bodySchema.safeParse(parsed)
    if (!input.success) {
      const fields: Record<string, string[]> = {}
      for (const issue of input.error.issues) {
        const key =
          issue.code === 'unrecognized_keys'
            ? issue.keys.join(', ')
            : issue.path.join('.') || '(body)'
        const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message
        fields[key] = [...(fields[key] ?? []), message]
      }
      return fail(400, 'invalid_request', 'The request is not { targetUserId, role }', fields)
    }
    const { targetUserId, role } = input.data
    if (targetUserId === caller) return fail(403, 'forbidden', 'You cannot change your own role')

    // The caller's role as Clerk has it now: not a session claim, not the local copy.
    try {
      const callerRole = await roleManager.getUserRole(caller)
      if (callerRole !== roleManager.roles.adminRole) {
        return notAdmin()
      }
    } catch (error) {
      // A caller who is gone from Clerk is not signed in any more.
      if (error instanceof ClerkSyncError && error.code === ErrorCode.USER_NOT_FOUND) {
        return fail(401, 'unauthenticated', 'Sign in first')
      }
      return failure(error)
    }
    try {
      const user = await roleManager.setUserRole(targetUserId, role as R, {
        actor: caller,
        requireAdminActor: true,
      })
      return json(200, {
        success: true,
        message: `User role updated to ${role}`,
        user: {
          id: user.id,
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          role: user.role,
        },
      })
    } catch (error) {
      if (error instanceof ClerkSyncError && error.code === ErrorCode.ACTOR_NOT_ADMIN) {
        return notAdmin()
      }
      return failure(error)
    }
  }
}
