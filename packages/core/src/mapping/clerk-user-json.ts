/** An email address of a Clerk user; Clerk sends more fields (verification, linked_to). */
export interface ClerkEmailAddressJSON {
  id?: string
  email_address: string
}

/** A phone number of a Clerk user; Clerk sends more fields (verification, reserved). */
export interface ClerkPhoneNumberJSON {
  id?: string
  phone_number: string
}

/**
 * Clerk's `User` object (Backend API 2026-05-12, and the `data` of `user.created` /
 * `user.updated`), the fields clerk-sync reads and the other top-level ones a `mapUser` may want.
 * No index signature: `@clerk/backend`'s `UserJSON` (a `User`'s `raw`) is assignable as it is.
 * Fields Clerk sends beyond these pass through untouched.
 */
export interface ClerkUserJSON {
  id: string
  object?: 'user'
  primary_email_address_id?: string | null
  primary_phone_number_id?: string | null
  primary_web3_wallet_id?: string | null
  username?: string | null
  first_name?: string | null
  last_name?: string | null
  image_url?: string | null
  has_image?: boolean
  public_metadata?: { [key: string]: unknown } | null
  private_metadata?: { [key: string]: unknown } | null
  unsafe_metadata?: { [key: string]: unknown } | null
  email_addresses?: ReadonlyArray<ClerkEmailAddressJSON>
  phone_numbers?: ReadonlyArray<ClerkPhoneNumberJSON>
  web3_wallets?: ReadonlyArray<object>
  external_accounts?: ReadonlyArray<object>
  enterprise_accounts?: ReadonlyArray<object>
  /** The app's own id for the user, set at creation (e.g. by a legacy import). */
  external_id?: string | null
  password_enabled?: boolean
  two_factor_enabled?: boolean
  totp_enabled?: boolean
  backup_code_enabled?: boolean
  banned?: boolean
  locked?: boolean
  locale?: string | null
  timezone?: string | null
  /** Milliseconds since the epoch. */
  last_sign_in_at?: number | null
  /** Milliseconds since the epoch. */
  last_active_at?: number | null
  /** Milliseconds since the epoch. */
  legal_accepted_at?: number | null
  /** Milliseconds since the epoch. */
  created_at?: number
  /** Milliseconds since the epoch. */
  updated_at: number
}
