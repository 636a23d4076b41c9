import { createSign, type KeyObject, randomBytes } from 'node:crypto'
import { randomId } from '../sign-webhook.js'
import { generateRsaKeyPair } from './instance-keys.js'

/**
 * `valid` by default. The others are for negative tests, each failing exactly one check of
 * `@clerk/backend`'s `verifyJwt` (its clock skew is 5 s, so every margin here is far larger):
 * `expired` (exp a minute ago), `not-yet-valid` (nbf a minute ahead), `wrong-key` (signed with a
 * key that is not the instance's).
 */
export type SessionTokenState = 'valid' | 'expired' | 'not-yet-valid' | 'wrong-key'

export interface SessionTokenOptions {
  state?: SessionTokenState
  /** Lifetime of a valid token; Clerk's session tokens live 60 s. */
  expiresInSeconds?: number
}

export interface SessionTokenContext {
  instanceId: string
  issuer: string
  privateKey: KeyObject
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

let strangerKey: KeyObject | undefined

// One foreign key per process is enough, and RSA generation is the slow part.
function wrongKey(): KeyObject {
  strangerKey ??= generateRsaKeyPair().privateKey
  return strangerKey
}

/**
 * Claims the emulator sets and a caller may not: who the token is for and who signed it, and its
 * times and id (`expiresInSeconds` sets the lifetime). A token claiming another `sub` than the
 * user asked for would sign in someone else.
 */
export const RESERVED_SESSION_CLAIMS = ['sub', 'iss', 'iat', 'nbf', 'exp', 'jti'] as const

/** The reserved claims `claims` tries to set, in the order above. */
export function reservedClaimsIn(claims: Record<string, unknown> | undefined): string[] {
  if (!claims) return []
  return RESERVED_SESSION_CLAIMS.filter((name) => Object.hasOwn(claims, name))
}

/**
 * An RS256 JWT with Clerk's v2 session claims, header `{ alg, kid, typ }` as Clerk signs it.
 * No `azp`: tokens minted outside a browser have none; pass `{ azp }` in `claims` to test
 * `authorizedParties`.
 */
export function signSessionToken(
  context: SessionTokenContext,
  userId: string,
  claims: Record<string, unknown> = {},
  options: SessionTokenOptions = {},
): string {
  const reserved = reservedClaimsIn(claims)
  if (reserved.length > 0) {
    throw new TypeError(
      `sessionToken: claims may not set ${reserved.join(', ')} (the emulator sets ` +
        `${RESERVED_SESSION_CLAIMS.join(', ')}; use expiresInSeconds for the lifetime)`,
    )
  }
  const state = options.state ?? 'valid'
  const now = Math.floor(Date.now() / 1000)
  const iat = state === 'expired' ? now - 120 : now
  const exp = state === 'expired' ? now - 60 : now + (options.expiresInSeconds ?? 60)
  // Clerk backdates nbf by 10 s against clock drift.
  const nbf = state === 'not-yet-valid' ? now + 60 : iat - 10
  const payload = {
    exp,
    fva: [0, -1],
    iat,
    iss: context.issuer,
    jti: randomBytes(10).toString('hex'),
    nbf,
    sid: randomId('sess'),
    sub: userId,
    v: 2,
    ...claims,
  }
  const header = { alg: 'RS256', kid: context.instanceId, typ: 'JWT' }
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  const key = state === 'wrong-key' ? wrongKey() : context.privateKey
  const signature = createSign('RSA-SHA256').update(input).sign(key)
  return `${input}.${base64url(signature)}`
}
