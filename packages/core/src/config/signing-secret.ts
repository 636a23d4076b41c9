import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

export const SIGNING_SECRET_ENV_VARS = [
  'CLERK_WEBHOOK_SIGNING_SECRET',
  'CLERK_WEBHOOK_SECRET',
] as const

const PREFIX = 'whsec_'
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const MIN_KEY_BYTES = 24
const MAX_KEY_BYTES = 64

function invalid(source: string, reason: string): ClerkSyncError {
  return new ClerkSyncError(
    ErrorCode.SIGNING_SECRET_INVALID,
    `${source} is not a valid webhook signing secret: ${reason}. Copy it from the Clerk Dashboard ` +
      '(Webhooks → your endpoint → Signing Secret); it looks like whsec_ followed by base64.',
  )
}

/** Checks one secret's shape; never puts the secret itself in a message. */
function checkSecret(secret: unknown, source: string): string {
  if (typeof secret !== 'string') throw invalid(source, `expected a string, got ${typeof secret}`)
  const trimmed = secret.trim()
  if (trimmed === '') throw invalid(source, 'it is empty')
  if (!trimmed.startsWith(PREFIX)) throw invalid(source, `it does not start with "${PREFIX}"`)
  const encoded = trimmed.slice(PREFIX.length)
  // The prefix alone is what a truncated copy or an unfilled template leaves.
  if (encoded === '') throw invalid(source, 'there is nothing after whsec_')
  if (!BASE64.test(encoded)) throw invalid(source, 'the part after whsec_ is not base64')
  const bytes =
    (encoded.length / 4) * 3 - (encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0)
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw invalid(
      source,
      `its key is ${bytes} bytes, expected ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES}`,
    )
  }
  return trimmed
}

type Env = Record<string, string | undefined>

function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {}
}

/**
 * The secrets to verify with: the `signingSecret` option, else the first of the environment
 * variables that is set. Several secrets (an array, or a space/comma separated variable) verify
 * during a key rotation. Throws, naming the option or variable, when any is unusable.
 */
export function resolveSigningSecrets(
  option: string | readonly string[] | undefined,
  env: Env = processEnv(),
): string[] {
  if (option !== undefined) {
    if (Array.isArray(option)) {
      if (option.length === 0) throw invalid('The signingSecret option', 'the array is empty')
      return option.map((secret, index) => checkSecret(secret, `signingSecret[${index}]`))
    }
    return [checkSecret(option, 'The signingSecret option')]
  }
  for (const name of SIGNING_SECRET_ENV_VARS) {
    const value = env[name]
    if (value === undefined) continue
    const parts = value.split(/[\s,]+/).filter(Boolean)
    if (parts.length === 0) throw invalid(name, 'it is empty')
    return parts.map((secret) => checkSecret(secret, name))
  }
  throw new ClerkSyncError(
    ErrorCode.SIGNING_SECRET_INVALID,
    'Missing webhook signing secret. Set the CLERK_WEBHOOK_SIGNING_SECRET environment variable ' +
      '(or pass `signingSecret` to createClerkSync) with the secret from the Clerk Dashboard ' +
      '(Webhooks → your endpoint → Signing Secret).',
  )
}
