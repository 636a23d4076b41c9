/**
 * The part of Clerk's `User` object (Backend API 2026-05-12, and the `data` of `user.created` /
 * `user.updated`) that clerk-sync reads. Clerk sends many more fields; they pass through untouched.
 */
export interface ClerkUserJSON {
  id: string
  object?: 'user'
  primary_email_address_id?: string | null
  primary_phone_number_id?: string | null
  username?: string | null
  first_name?: string | null
  last_name?: string | null
  image_url?: string | null
  public_metadata?: Record<string, unknown> | null
  private_metadata?: Record<string, unknown> | null
  unsafe_metadata?: Record<string, unknown> | null
  email_addresses?: Array<{ id?: string; email_address: string; [key: string]: unknown }>
  phone_numbers?: Array<{ id?: string; phone_number: string; [key: string]: unknown }>
  /** Milliseconds since the epoch. */
  created_at?: number
  /** Milliseconds since the epoch. */
  updated_at: number
  [key: string]: unknown
}
