import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate, parseBody, send } from './api-server.js'
import { isPlainObject } from './body-params.js'
import { apiErrors, ClerkApiError, errorsBody } from './clerk-errors.js'
import { isLoopbackConnection } from './loopback.js'
import { RESERVED_SESSION_CLAIMS, reservedClaimsIn } from './session-token.js'
import type { SideRoute } from './side-route.js'

/** Where scripts get session tokens: `POST` `{ user_id, claims?, expires_in_seconds? }`. */
export const SESSION_TOKENS_PATH = '/__emulator/session-tokens'

/** Sent with every answer of the development endpoints, so a client can tell it met the emulator. */
export const EMULATOR_HEADER = 'clerk-sync-emulator'

/** A year: enough for a token pasted into an HTTP client's settings, finite all the same. */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * 24 * 3600

export interface SessionTokensRouteOptions {
  secretKey: string
  /** Signs a token for an existing user, or returns undefined when there is no such user. */
  mint(
    userId: string,
    claims: Record<string, unknown> | undefined,
    expiresInSeconds: number | undefined,
  ): string | undefined
}

const BODY_PARAMS = new Set(['user_id', 'claims', 'expires_in_seconds'])

const loopbackOnly = () =>
  new ClerkApiError(403, {
    message: 'loopback only',
    long_message:
      'The emulator hands out session tokens to callers on this machine only: connect to 127.0.0.1 or ::1.',
    code: 'emulator_loopback_only',
  })

const methodNotAllowed = () =>
  new ClerkApiError(
    405,
    {
      message: 'method not allowed',
      long_message: `${SESSION_TOKENS_PATH} takes POST only.`,
      code: 'method_not_allowed',
    },
    { allow: 'POST' },
  )

async function issue(req: IncomingMessage, options: SessionTokensRouteOptions) {
  const body = await parseBody(req)
  for (const key of Object.keys(body)) if (!BODY_PARAMS.has(key)) throw apiErrors.paramUnknown(key)
  const userId = body.user_id
  if (userId === undefined) throw apiErrors.paramMissing('user_id')
  if (typeof userId !== 'string' || userId === '') {
    throw apiErrors.paramFormatInvalid('user_id', 'user_id must be a user id string.')
  }
  const claims = body.claims
  if (claims !== undefined && !isPlainObject(claims)) {
    throw apiErrors.paramFormatInvalid('claims', 'claims must be a JSON object.')
  }
  const reserved = reservedClaimsIn(claims)
  if (reserved.length > 0) {
    throw apiErrors.paramFormatInvalid(
      'claims',
      `claims may not set ${reserved.join(', ')}: the emulator sets ${RESERVED_SESSION_CLAIMS.join(', ')} (use expires_in_seconds for the lifetime).`,
    )
  }
  const lifetime = body.expires_in_seconds
  if (
    lifetime !== undefined &&
    !(
      Number.isInteger(lifetime) &&
      (lifetime as number) >= 1 &&
      (lifetime as number) <= MAX_TOKEN_LIFETIME_SECONDS
    )
  ) {
    throw apiErrors.paramFormatInvalid(
      'expires_in_seconds',
      `expires_in_seconds must be a whole number from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}.`,
    )
  }
  const jwt = options.mint(userId, claims, lifetime as number | undefined)
  if (jwt === undefined) throw apiErrors.userNotFound(userId)
  // Clerk's own `POST /v1/sessions/{id}/tokens` answers this shape.
  return { object: 'token', jwt }
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  options: SessionTokensRouteOptions,
) {
  const header = { [EMULATOR_HEADER]: '1' }
  try {
    // Before anything else: a caller elsewhere on the network learns nothing, not even the paths.
    if (!isLoopbackConnection(req.socket)) throw loopbackOnly()
    const { pathname } = new URL(req.url ?? '/', 'http://emulator')
    if (pathname !== SESSION_TOKENS_PATH) throw apiErrors.resourceNotFound()
    if (req.method !== 'POST') throw methodNotAllowed()
    authenticate(req, options.secretKey)
    send(res, 200, await issue(req, options), header)
  } catch (error) {
    const known = error instanceof ClerkApiError ? error : apiErrors.internal()
    if (!(error instanceof ClerkApiError)) console.error('[clerk-emulator]', error)
    send(res, known.status, errorsBody(known.error), { ...known.headers, ...header })
  }
}

/**
 * The development endpoints under `/__emulator/`: session tokens for scripts and the
 * `clerk-sync token` command. They answer loopback connections only, and want the secret key.
 */
export function sessionTokensRoute(options: SessionTokensRouteOptions): SideRoute {
  return async (req, res) => {
    if (!(req.url ?? '').startsWith('/__emulator/')) return false
    await answer(req, res, options)
    return true
  }
}
