import {
  EMULATOR_HEADER,
  EmulatorStateError,
  MAX_TOKEN_LIFETIME_SECONDS,
  SESSION_TOKENS_PATH,
  sessionTokenFromState,
} from '@clerk-sync/testing/emulator'
import { CommandFailure } from '../command-failure.js'
import { fetchFailureReason } from '../fetch-failure-reason.js'
import { TOKEN_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, httpUrlFlag, integerFlag, parseCommandArgs } from '../parse.js'
import { EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  claims: { type: 'string' },
  'expires-in': { type: 'string' },
  'api-url': { type: 'string' },
  'secret-key': { type: 'string' },
  state: { type: 'string' },
} as const

const REQUEST_TIMEOUT_MS = 10_000

interface TokenRequest {
  userId: string
  claims: Record<string, unknown> | undefined
  expiresInSeconds: number | undefined
}

/** The registered claims a session token's caller may not set (the emulator's own list). */
const RESERVED_CLAIMS = ['sub', 'iss', 'iat', 'nbf', 'exp', 'jti']

function parseClaims(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let claims: unknown
  try {
    claims = JSON.parse(text)
  } catch {}
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw new UsageError(
      `--claims must be a JSON object, e.g. '{"metadata":{"role":"admin"}}', got ${text}`,
      'token',
    )
  }
  // The emulator sets these (and refuses them too): said here as a usage error, before any call.
  const reserved = RESERVED_CLAIMS.filter((name) => Object.hasOwn(claims as object, name))
  if (reserved.length > 0) {
    throw new UsageError(
      `--claims may not set ${reserved.join(', ')}: the emulator sets ${RESERVED_CLAIMS.join(', ')} (use --expires-in for the lifetime)`,
      'token',
    )
  }
  return claims as Record<string, unknown>
}

function failure(message: string): CommandFailure {
  return new CommandFailure(message, 'token')
}

/** Signed from the emulator's state file: the same key the running emulator signs with. */
function fromState(path: string, request: TokenRequest): string {
  let token: string | undefined
  try {
    token = sessionTokenFromState(path, request.userId, request.claims, {
      expiresInSeconds: request.expiresInSeconds,
    })
  } catch (error) {
    if (error instanceof EmulatorStateError) throw new UsageError(error.message, 'token')
    throw error
  }
  if (token === undefined) {
    throw failure(
      `no user ${request.userId} in the emulator state file ${path}. A user created a moment ago ` +
        'may not be saved yet: try again; or check the id (GET /v1/users lists them).',
    )
  }
  return token
}

function errorText(body: unknown): string {
  const first = (body as { errors?: Array<{ long_message?: string }> } | null)?.errors?.[0]
  return first?.long_message ?? JSON.stringify(body)
}

/** Asked of the running emulator: `POST /__emulator/session-tokens` with its secret key. */
async function fromEmulator(apiUrl: string, secretKey: string, request: TokenRequest) {
  const url = new URL(SESSION_TOKENS_PATH, apiUrl)
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: request.userId,
        claims: request.claims,
        expires_in_seconds: request.expiresInSeconds,
      }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
  } catch (error) {
    throw failure(
      `no emulator answered at ${apiUrl} (${fetchFailureReason(error)}). Start one with "clerk-sync emulator", ` +
        'or sign from its state file with --state FILE.',
    )
  }
  const body: unknown = await response.json().catch(() => null)
  if (!response.headers.has(EMULATOR_HEADER)) {
    throw failure(
      `${apiUrl} is not a clerk-sync emulator, or one older than this clerk-sync (it answered ` +
        `${response.status} to ${SESSION_TOKENS_PATH}). Session tokens come from the emulator ` +
        'only; against real Clerk, sign in through your app.',
    )
  }
  if (response.ok) return (body as { jwt: string }).jwt
  switch (response.status) {
    case 404:
      throw failure(
        `no user ${request.userId} in the emulator at ${apiUrl}. List its users with: ` +
          `curl -H "Authorization: Bearer $CLERK_SECRET_KEY" ${new URL('/v1/users', apiUrl)}`,
      )
    case 401:
      throw failure(
        `the emulator at ${apiUrl} refused the secret key: pass the one it printed ` +
          '(--secret-key, or CLERK_SECRET_KEY).',
      )
    default:
      throw failure(`the emulator at ${apiUrl} answered ${response.status}: ${errorText(body)}`)
  }
}

function expiresAt(token: string): string | null {
  try {
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
    return new Date(exp * 1000).toISOString()
  } catch {
    return null
  }
}

export async function tokenCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('token', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(TOKEN_HELP)
    return EXIT_OK
  }
  const [userId, extra] = positionals
  if (!userId) throw new UsageError('name the user: clerk-sync token <userId>', 'token')
  if (extra) throw new UsageError(`unexpected argument "${extra}"`, 'token')
  const request: TokenRequest = {
    userId,
    claims: parseClaims(values.claims),
    expiresInSeconds: integerFlag(
      'expires-in',
      values['expires-in'],
      1,
      MAX_TOKEN_LIFETIME_SECONDS,
    ),
  }

  let token: string
  let source: 'state' | 'emulator'
  if (values.state !== undefined) {
    if (values.state === '') throw new UsageError('--state needs a file path', 'token')
    token = fromState(values.state, request)
    source = 'state'
  } else {
    const apiUrl = values['api-url'] ?? process.env.CLERK_API_URL
    if (!apiUrl) {
      throw new UsageError(
        'say where the emulator is: --api-url (or CLERK_API_URL), or --state FILE to sign from its state file',
        'token',
      )
    }
    if (values['api-url'] !== undefined) httpUrlFlag('api-url', apiUrl)
    else if (!/^https?:\/\//.test(apiUrl)) {
      throw new UsageError(`CLERK_API_URL must be an http(s) URL, got "${apiUrl}"`, 'token')
    }
    const secretKey = values['secret-key'] ?? process.env.CLERK_SECRET_KEY
    if (!secretKey) {
      throw new UsageError(
        '--secret-key is required (or set CLERK_SECRET_KEY): the emulator prints it',
        'token',
      )
    }
    token = await fromEmulator(apiUrl, secretKey, request)
    source = 'emulator'
  }
  // Only the token on stdout, so TOKEN=$(clerk-sync token user_…) works.
  if (io.json) {
    io.out(JSON.stringify({ ok: true, userId, token, expiresAt: expiresAt(token), source }))
  } else io.out(token)
  return EXIT_OK
}
