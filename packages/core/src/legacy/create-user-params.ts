import type { ClerkCreateUserParams } from '../clerk-api/clerk-users-api.js'
import type { LegacyUser } from './legacy-user.js'
import type { PasswordHasher } from './password-hasher.js'

/**
 * The `POST /v1/users` body for a legacy user (camelCase: `@clerk/backend` turns the top-level
 * keys to snake_case, `public_metadata`'s own keys stay as they are).
 */
export function createUserParams(
  user: LegacyUser,
  hasher: PasswordHasher | null,
): ClerkCreateUserParams {
  const params: ClerkCreateUserParams = {
    externalId: user.appId,
    emailAddress: [user.email],
    // Clerk creates every address verified unless told otherwise; an address the app never
    // verified must not become a verified one (anyone who typed it would own the account).
    emailAddressIdentificationStatus: [user.emailVerified === true ? 'verified' : 'reserved'],
  }
  if (user.firstName) params.firstName = user.firstName
  if (user.lastName) params.lastName = user.lastName
  if (user.role) params.publicMetadata = { role: user.role }
  if (user.passwordDigest && hasher) {
    params.passwordDigest = user.passwordDigest
    params.passwordHasher = hasher
  } else {
    // As Clerk's migration script does: a user without a password signs in another way (or sets one).
    params.skipPasswordRequirement = true
  }
  return params
}
