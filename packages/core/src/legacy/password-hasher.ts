/**
 * Every `password_hasher` the Backend API's `PasswordHasher` lists (bapi.yml 2026-05-12),
 * including `pbkdf2_sha512`, `pbkdf2_sha512_hex` and `sha512_symfony`, which `@clerk/backend`'s
 * own `PasswordHasher` type leaves out.
 */
export const PASSWORD_HASHERS = [
  'argon2i',
  'argon2id',
  'bcrypt',
  'bcrypt_sha256_django',
  'ldap_ssha',
  'md5',
  'md5_phpass',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'pbkdf2_sha512_hex',
  'phpass',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
  'sha512_symfony',
] as const

export type PasswordHasher = (typeof PASSWORD_HASHERS)[number]

export type HasherDecision = { ok: true; hasher: PasswordHasher } | { ok: false; reason: string }

const knownHashers = new Set<string>(PASSWORD_HASHERS)

/**
 * Prefixes that name their scheme without doubt, longest first. Digests of other schemes (a bare
 * md5 or sha256 hex string, Django's and plain `pbkdf2_sha256$…`, which share one prefix, phpass,
 * Firebase scrypt) cannot be told apart by their text: the app names the hasher for those.
 */
const PREFIXES: ReadonlyArray<readonly [prefix: string, hasher: PasswordHasher]> = [
  ['$2a$', 'bcrypt'],
  ['$2b$', 'bcrypt'],
  ['$2y$', 'bcrypt'],
  ['$argon2id$', 'argon2id'],
  ['$argon2i$', 'argon2i'],
  ['bcrypt_sha256$', 'bcrypt_sha256_django'],
  ['pbkdf2_sha512_hex$', 'pbkdf2_sha512_hex'],
  ['pbkdf2_sha512$', 'pbkdf2_sha512'],
  ['pbkdf2_sha1$', 'pbkdf2_sha1'],
  ['sha512_symfony$', 'sha512_symfony'],
  ['{SSHA}', 'ldap_ssha'],
]

/**
 * The `password_hasher` to send with a digest: the app's own `override` when it gives one,
 * otherwise read from the digest's prefix. Argon2d is refused outright: Clerk verifies argon2i and
 * argon2id only, so a user imported with it could never sign in with their password.
 */
export function choosePasswordHasher(digest: string, override?: string | null): HasherDecision {
  if (digest.startsWith('$argon2d$')) {
    return {
      ok: false,
      reason:
        'argon2d digests cannot be imported: Clerk verifies argon2i and argon2id only (the user can reset their password after import without one)',
    }
  }
  if (override !== undefined && override !== null) {
    if (!knownHashers.has(override)) {
      return {
        ok: false,
        reason: `password hasher "${override}" is not one Clerk lists (${PASSWORD_HASHERS.join(', ')})`,
      }
    }
    return { ok: true, hasher: override as PasswordHasher }
  }
  for (const [prefix, hasher] of PREFIXES) {
    if (digest.startsWith(prefix)) return { ok: true, hasher }
  }
  return {
    ok: false,
    // The digest itself stays out of the reason: reports are printed and logged.
    reason:
      "the digest's scheme cannot be told from its text (not bcrypt $2a$/$2b$/$2y$, argon2i/argon2id or another self-describing prefix); set passwordHasher on this user to one Clerk lists",
  }
}
