import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'

/**
 * A user as `@clerk/backend`'s client returns it: `raw` is the JSON Clerk sent, which is what
 * `sync.toSyncedUser` takes.
 */
export interface ClerkUser {
  id: string
  readonly raw: ClerkUserJSON | null
}

/** `GET /v1/users` parameters clerk-sync sends, in `@clerk/backend`'s camelCase. */
export interface ClerkUserListParams {
  /** 1..500. */
  limit?: number
  offset?: number
  /** Ascending (`+`) or descending (`-`); clerk-sync pages on `+created_at`. */
  orderBy?: '+created_at' | '-created_at' | '+updated_at' | '-updated_at'
  /** Milliseconds; strictly after. */
  createdAtAfter?: number
  /** Milliseconds; strictly before. */
  createdAtBefore?: number
  /** Up to 100 ids. */
  userId?: string[]
  /** Up to 100 external ids. */
  externalId?: string[]
  /** Up to 100 addresses. */
  emailAddress?: string[]
}

/**
 * `POST /v1/users` parameters clerk-sync sends. `passwordHasher` is a string: Clerk accepts
 * hashers (`pbkdf2_sha512`, `sha512_symfony`) that `@clerk/backend`'s own type leaves out.
 */
export interface ClerkCreateUserParams {
  externalId?: string
  emailAddress?: string[]
  emailAddressIdentificationStatus?: Array<'verified' | 'reserved'>
  firstName?: string
  lastName?: string
  username?: string
  publicMetadata?: Record<string, unknown>
  privateMetadata?: Record<string, unknown>
  passwordDigest?: string
  passwordHasher?: string
  skipPasswordChecks?: boolean
  skipPasswordRequirement?: boolean
  skipLegalChecks?: boolean
  createdAt?: Date
}

/**
 * The part of `@clerk/backend`'s `ClerkClient` that backfill, reconcile and the legacy import use,
 * typed structurally so core does not depend on it: `createClerkClient({ secretKey })` fits as it
 * is (and so does one pointed at the emulator), no cast.
 */
export interface ClerkUsersApi {
  users: {
    getUserList(params: ClerkUserListParams): Promise<{ data: ClerkUser[]; totalCount: number }>
    getUser(userId: string): Promise<ClerkUser>
    createUser(params: ClerkCreateUserParams): Promise<ClerkUser>
  }
}
