import { type ClerkUserFixture, clerkUser } from '../fixtures/clerk-user.js'
import {
  booleanParam,
  checkEmail,
  checkPassword,
  checkPhone,
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

/** The `CreateUser` body properties of bapi.yml 2026-05-12, nothing more. */
const CREATE_PARAMS = new Set([
  'external_id',
  'first_name',
  'last_name',
  'locale',
  'email_address',
  'email_address_identification_status',
  'phone_number',
  'phone_number_identification_status',
  'web3_wallet',
  'username',
  'password',
  'password_digest',
  'password_hasher',
  'skip_password_checks',
  'skip_password_requirement',
  'totp_secret',
  'backup_codes',
  'public_metadata',
  'private_metadata',
  'unsafe_metadata',
  'delete_self_enabled',
  'legal_accepted_at',
  'skip_legal_checks',
  'skip_user_requirement',
  'create_organization_enabled',
  'create_organizations_limit',
  'created_at',
  'bypass_client_trust',
  'banned',
  'locked',
])

function statuses(body: JsonObject, name: string, count: number): Array<'verified' | 'reserved'> {
  const list = stringArrayParam(body, name) ?? []
  if (list.length === 0) return Array(count).fill('verified')
  if (list.length !== count) {
    throw apiErrors.paramValueInvalid(
      name,
      list,
      `${name} must contain exactly one item per identifier.`,
    )
  }
  for (const status of list) {
    if (status !== 'verified' && status !== 'reserved')
      throw apiErrors.paramValueInvalid(name, status)
  }
  return list as Array<'verified' | 'reserved'>
}

// A reserved identifier is unverified but locked to this user: no verification yet.
function applyStatus(
  items: Array<Record<string, unknown>>,
  list: Array<'verified' | 'reserved'>,
): void {
  items.forEach((item, i) => {
    if (list[i] === 'reserved') {
      item.reserved = true
      item.verification = null
    }
  })
}

/** A user `POST /v1/users` builds, and the digest it was given (kept apart: not in User JSON). */
export interface CreatedUser {
  user: ClerkUserFixture
  passwordDigest: PasswordDigest | undefined
}

/** Validates a `POST /v1/users` body as Clerk does and builds the new user. */
export function createUser(body: JsonObject, directory: UserDirectory): CreatedUser {
  rejectUnknownParams(body, CREATE_PARAMS)
  const emails = stringArrayParam(body, 'email_address') ?? []
  const phones = stringArrayParam(body, 'phone_number') ?? []
  const wallets = stringArrayParam(body, 'web3_wallet') ?? []
  const username = stringParam(body, 'username')
  const externalId = stringParam(body, 'external_id')
  const password = stringParam(body, 'password')
  const passwordDigest = passwordDigestParam(body)
  for (const email of emails) checkEmail('email_address', email)
  for (const phone of phones) checkPhone('phone_number', phone)
  if (username) checkUsername(username)
  if (password && !booleanParam(body, 'skip_password_checks')) checkPassword(password)
  if (wallets.length > 0) {
    // The emulator keeps no Web3Wallet objects; saying so beats silently dropping them.
    throw apiErrors.paramValueInvalid(
      'web3_wallet',
      wallets,
      'web3_wallet is not supported by the clerk-sync emulator.',
    )
  }
  const emailStatus = statuses(body, 'email_address_identification_status', emails.length)
  const phoneStatus = statuses(body, 'phone_number_identification_status', phones.length)
  const skipRequirement = booleanParam(body, 'skip_user_requirement') === true
  if (!skipRequirement && emails.length === 0 && phones.length === 0 && !username) {
    throw apiErrors.dataMissing()
  }
  for (const email of emails) directory.assertUnique('email_address', email)
  for (const phone of phones) directory.assertUnique('phone_number', phone)
  if (username) directory.assertUnique('username', username)
  if (externalId) directory.assertUnique('external_id', externalId)

  const publicMetadata = objectParam(body, 'public_metadata') ?? {}
  const privateMetadata = objectParam(body, 'private_metadata') ?? {}
  const unsafeMetadata = objectParam(body, 'unsafe_metadata') ?? {}
  checkMetadataSize('public_metadata', publicMetadata)
  checkMetadataSize('private_metadata', privateMetadata)
  checkMetadataSize('unsafe_metadata', unsafeMetadata)

  const now = directory.nextStamp(undefined)
  const createdAt = timestampParam(body, 'created_at') ?? now
  const user = clerkUser({
    emails,
    phones,
    firstName: stringParam(body, 'first_name') ?? null,
    lastName: stringParam(body, 'last_name') ?? null,
    username: username ?? null,
    publicMetadata,
    privateMetadata,
    unsafeMetadata,
    createdAt,
    updatedAt: now,
  })
  applyStatus(user.email_addresses, emailStatus)
  applyStatus(user.phone_numbers, phoneStatus)
  const totp = stringParam(body, 'totp_secret')
  const backupCodes = stringArrayParam(body, 'backup_codes') ?? []
  const hasPassword = Boolean(password || passwordDigest)
  Object.assign(user, {
    external_id: externalId ?? null,
    locale: stringParam(body, 'locale') ?? null,
    password_enabled: hasPassword,
    password_last_updated_at: hasPassword ? now : null,
    totp_enabled: Boolean(totp),
    backup_code_enabled: backupCodes.length > 0,
    two_factor_enabled: Boolean(totp) || backupCodes.length > 0,
    mfa_enabled_at: totp || backupCodes.length > 0 ? now : null,
    banned: booleanParam(body, 'banned') ?? false,
    locked: booleanParam(body, 'locked') ?? false,
    delete_self_enabled: booleanParam(body, 'delete_self_enabled') ?? true,
    create_organization_enabled: booleanParam(body, 'create_organization_enabled') ?? true,
    create_organizations_limit: integerParam(body, 'create_organizations_limit') ?? null,
    legal_accepted_at: timestampParam(body, 'legal_accepted_at') ?? null,
    bypass_client_trust: booleanParam(body, 'bypass_client_trust') ?? false,
  })
  return { user, passwordDigest }
}
