import { type JsonObject, stringParam } from './body-params.js'
import { apiErrors } from './clerk-errors.js'

/**
 * The `PasswordHasher` values bapi.yml 2026-05-12 lists (its description, not an enum). Wider than
 * `@clerk/backend`'s type, which omits `pbkdf2_sha512`, `pbkdf2_sha512_hex` and `sha512_symfony`,
 * and narrower: its `awscognito` is not in the spec, so the emulator refuses it.
 */
export const PASSWORD_HASHERS = [
  'bcrypt',
  'bcrypt_sha256_django',
  'md5',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'phpass',
  'md5_phpass',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
  'ldap_ssha',
  'argon2i',
  'argon2id',
  'sha512_symfony',
  'pbkdf2_sha512_hex',
] as const

export type PasswordHasher = (typeof PASSWORD_HASHERS)[number]

/** A password digest as the app handed it to Clerk (`password_digest` + `password_hasher`). */
export interface PasswordDigest {
  digest: string
  hasher: string
}

const HASHERS = new Set<string>(PASSWORD_HASHERS)
const B64 = '[A-Za-z0-9+/]+={0,2}'
const argon2 = (variant: string) =>
  new RegExp(`^\\$${variant}\\$(v=\\d+\\$)?m=\\d+,t=\\d+,p=\\d+\\$${B64}\\$${B64}$`)

/**
 * The digest forms the emulator checks: bcrypt's modular crypt (`$2a$`, `$2b$`, `$2y$`, a two-digit
 * cost, 53 characters of salt and hash) and argon2's PHC string for the variant named. `$argon2d$`
 * fits neither argon2 hasher, so Clerk cannot take it. Other hashers are stored unchecked.
 */
const FORMS: Partial<Record<PasswordHasher, RegExp>> = {
  bcrypt: /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/,
  argon2i: argon2('argon2i'),
  argon2id: argon2('argon2id'),
}

/**
 * Reads `password_digest` and `password_hasher` from a create or update body: `undefined` when no
 * digest was sent, Clerk's 422 when the hasher is missing or unknown or the digest is not in its form.
 */
export function passwordDigestParam(body: JsonObject): PasswordDigest | undefined {
  const digest = stringParam(body, 'password_digest')
  const hasher = stringParam(body, 'password_hasher')
  if (hasher && !HASHERS.has(hasher)) throw apiErrors.paramValueInvalid('password_hasher', hasher)
  if (!digest) return undefined
  if (!hasher) throw apiErrors.paramMissing('password_hasher')
  const form = FORMS[hasher as PasswordHasher]
  if (form && !form.test(digest)) throw apiErrors.passwordDigestInvalid(hasher)
  return { digest, hasher }
}
