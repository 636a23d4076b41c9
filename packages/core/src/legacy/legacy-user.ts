import type { ClerkUsersApi } from '../clerk-api/clerk-users-api.js'

/** A user who exists only in the app's own database, as a `LegacyUserSource` hands it over. */
export interface LegacyUser {
  /** The app's own id for the user; becomes Clerk's `external_id`. */
  appId: string
  email: string
  /** False: the address is created `reserved` (unverified, yet locked to this user), never verified. */
  emailVerified: boolean
  firstName?: string | null
  lastName?: string | null
  /** Written to `public_metadata.role`. */
  role?: string | null
  /** The app's stored hash, sent as `password_digest`; the hasher is read from its prefix. */
  passwordDigest?: string | null
  /**
   * The `password_hasher` for a digest whose scheme its text does not tell (a bare md5 or sha256
   * hex string, `pbkdf2_sha256$…`, which Django and plain PBKDF2 share). One of `PASSWORD_HASHERS`.
   */
  passwordHasher?: string | null
}

/** The app's users without a Clerk account, and how to record the Clerk id each one gets. */
export interface LegacyUserSource extends AsyncIterable<LegacyUser> {
  /** Records `clerkId` on the app's user `appId`; a no-op when it is already recorded. */
  link(appId: string, clerkId: string): Promise<void>
}

export interface LegacyImportProgress {
  scanned: number
  created: number
  skipped: number
  conflicts: number
  elapsedMs: number
}

export interface LegacyImportOptions {
  /** `createClerkClient({ secretKey })` from `@clerk/backend`. */
  clerk: ClerkUsersApi
  source: LegacyUserSource
  /** Default false: a dry run that creates and links nothing and reports what it would do. */
  apply?: boolean
  /** Stops after the chunk in hand; the result says `aborted`. Run again to go on. */
  signal?: AbortSignal
  /** After each chunk of 100 users, and once at the end. */
  onProgress?: (progress: LegacyImportProgress) => void
  /** Every user's outcome, as it is known. */
  onItem?: (item: LegacyImportItem) => void
}

export type LegacyImportOutcome =
  | 'would_create'
  | 'created'
  | 'already_imported'
  | 'conflict'
  | 'rejected_hash'

export interface LegacyImportItem {
  appId: string
  outcome: LegacyImportOutcome
  /** The Clerk user: created now, or found by `external_id`. */
  clerkId?: string
  /** Why a user was not created (`conflict`, `rejected_hash`). */
  reason?: string
}

export interface LegacyImportResult {
  dryRun: boolean
  scanned: number
  /** Users created in Clerk (0 in a dry run). */
  created: number
  /** App rows given their Clerk id by this run. */
  linked: number
  /** Users already in Clerk under their `external_id`. */
  skipped: number
  /** Users not created: the email is taken, the hash refused, or Clerk refused the user. */
  conflicts: number
  /** The first 1,000 items; `onItem` sees all of them. */
  items: LegacyImportItem[]
  itemsTruncated: boolean
  durationMs: number
  aborted: boolean
}
