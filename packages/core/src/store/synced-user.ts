/** A Clerk user as clerk-sync writes it into the app's database. */
export interface SyncedUser<R extends string = string> {
  /** Clerk's user id (`user_…`). Clerk never reuses one. */
  id: string
  /** The address whose id is `primary_email_address_id`, or null (phone and username sign-ups). */
  email: string | null
  firstName: string | null
  lastName: string | null
  username: string | null
  /** The primary phone number (E.164), or null. */
  phone: string | null
  imageUrl: string | null
  /** From `public_metadata.role` only; the default role when absent or unknown. */
  role: R
  createdAt: Date
  /** Clerk's `updated_at`: the version the store's guard compares. */
  updatedAt: Date
  /** Extra columns returned by the app's `mapUser`, written where the store maps them. */
  extra?: Record<string, unknown>
}

/** The `SyncedUser` fields a users table can hold, besides `id` and `extra`: what stores map. */
export const SYNCED_USER_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'username',
  'phone',
  'imageUrl',
  'role',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof SyncedUser>

export type SyncedUserField = (typeof SYNCED_USER_FIELDS)[number]
