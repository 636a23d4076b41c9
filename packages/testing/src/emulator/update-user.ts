import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import {
  booleanParam,
  checkPassword,
  checkUsername,
  integerParam,
  type JsonObject,
  objectParam,
  rejectUnknownParams,
  stringArrayParam,
  stringParam,
  timestampParam,
} from './body-params.js'
import { apiErrors } from './clerk-errors.js'
import { checkMetadataSize } from './metadata.js'
import { type PasswordDigest, passwordDigestParam } from './password-digest.js'
import type { UserDirectory } from './user-directory.js'

/** The `UpdateUser` body properties of bapi.yml 2026-05-12: no metadata since that version. */
const UPDATE_PARAMS = [
  'external_id',
  'first_name',
  'last_name',
  'locale',
  'primary_email_address_id',
  'notify_primary_email_address_changed',
  'primary_phone_number_id',
  'primary_web3_wallet_id',
  'username',
  'profile_image_id',
  'password',
  'password_digest',
  'password_hasher',
  'skip_password_checks',
  'sign_out_of_other_sessions',
  'totp_secret',
  'backup_codes',
  'delete_self_enabled',
  'create_organization_enabled',
  'legal_accepted_at',
  'skip_legal_checks',
  'create_organizations_limit',
  'created_at',
  'bypass_client_trust',
]
const METADATA_PARAMS = ['public_metadata', 'private_metadata', 'unsafe_metadata'] as const
const CURRENT = new Set(UPDATE_PARAMS)
// Before 2026-05-12 the same endpoint also replaced metadata fields (deprecated there).
const LEGACY = new Set([...UPDATE_PARAMS, ...METADATA_PARAMS])

function primaryId(
  body: JsonObject,
  name: string,
  items: Array<Record<string, unknown>>,
): string | null | undefined {
  const id = stringParam(body, name)
  if (id === undefined || id === null) return undefined
  const item = items.find((candidate) => candidate.id === id)
  const verified = (item?.verification as { status?: string } | null | undefined)?.status
  if (!item || verified !== 'verified') {
    throw apiErrors.paramValueInvalid(
      name,
      id,
      `${name} must be the id of a verified identification of this user.`,
    )
  }
  return id
}

/** The user a `PATCH` leaves, and its digest: `undefined` unchanged, `null` forgotten. */
export interface UpdatedUser {
  user: ClerkUserFixture
  passwordDigest: PasswordDigest | null | undefined
}

/**
 * Applies a `PATCH /v1/users/{id}` body to a copy of `user`. `legacyMetadata` is true for API
 * versions before 2026-05-12, which still accepted the metadata fields here.
 */
export function updateUser(
  user: ClerkUserFixture,
  body: JsonObject,
  directory: UserDirectory,
  legacyMetadata: boolean,
): UpdatedUser {
  rejectUnknownParams(body, legacyMetadata ? LEGACY : CURRENT)
  const next = structuredClone(user) as ClerkUserFixture & Record<string, unknown>
  const now = directory.nextStamp(user.updated_at)

  for (const name of ['first_name', 'last_name', 'locale'] as const) {
    const value = stringParam(body, name)
    if (value !== undefined) next[name] = value
  }
  const externalId = stringParam(body, 'external_id')
  if (externalId !== undefined) {
    if (externalId) directory.assertUnique('external_id', externalId, user.id)
    next.external_id = externalId || null
  }
  const username = stringParam(body, 'username')
  if (username !== undefined) {
    // Null or "" removes the username (bapi.yml, UpdateUser).
    if (username) {
      checkUsername(username)
      directory.assertUnique('username', username, user.id)
    }
    next.username = username || null
  }
  const email = primaryId(body, 'primary_email_address_id', user.email_addresses)
  if (email) next.primary_email_address_id = email
  const phone = primaryId(body, 'primary_phone_number_id', user.phone_numbers)
  if (phone) next.primary_phone_number_id = phone
  if (stringParam(body, 'primary_web3_wallet_id')) {
    throw apiErrors.paramValueInvalid('primary_web3_wallet_id', body.primary_web3_wallet_id)
  }
  stringParam(body, 'profile_image_id')

  const password = stringParam(body, 'password')
  const digest = passwordDigestParam(body)
  if (password && !booleanParam(body, 'skip_password_checks')) checkPassword(password)
  if (password || digest) {
    next.password_enabled = true
    next.password_last_updated_at = now
  }
  const totp = stringParam(body, 'totp_secret')
  const backupCodes = stringArrayParam(body, 'backup_codes')
  if (totp) next.totp_enabled = true
  if (backupCodes && backupCodes.length > 0) next.backup_code_enabled = true
  if ((totp || backupCodes?.length) && !user.two_factor_enabled) {
    next.two_factor_enabled = true
    next.mfa_enabled_at = now
  }
  for (const name of [
    'delete_self_enabled',
    'create_organization_enabled',
    'bypass_client_trust',
  ]) {
    const value = booleanParam(body, name)
    if (value !== undefined && value !== null) next[name] = value
  }
  for (const name of [
    'notify_primary_email_address_changed',
    'sign_out_of_other_sessions',
    'skip_legal_checks',
  ]) {
    booleanParam(body, name)
  }
  const limit = integerParam(body, 'create_organizations_limit')
  if (limit !== undefined) next.create_organizations_limit = limit
  const legal = timestampParam(body, 'legal_accepted_at')
  if (legal !== undefined) next.legal_accepted_at = legal
  const createdAt = timestampParam(body, 'created_at')
  if (createdAt !== undefined && createdAt !== null) next.created_at = createdAt

  if (legacyMetadata) {
    const fields: Record<string, unknown> = next
    for (const name of METADATA_PARAMS) {
      const value = objectParam(body, name)
      if (value === undefined) continue
      checkMetadataSize(name, value)
      fields[name] = value ?? (name === 'private_metadata' ? null : {})
    }
  }
  next.updated_at = now
  // A plaintext password replaces whatever digest the app gave before.
  return { user: next, passwordDigest: digest ?? (password ? null : undefined) }
}
