import { defaultRoles, type RoleDefinition } from '../roles/define-roles.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { ClerkUserJSON } from './clerk-user-json.js'

export interface MapClerkUserOptions {
  /** Told about data clerk-sync accepts but you may want to know of (unknown role, no email). */
  onWarning?: (message: string) => void
}

function primaryOf<T extends { id?: string }>(
  items: ReadonlyArray<T> | undefined,
  primaryId: unknown,
): T | null {
  if (typeof primaryId !== 'string' || !Array.isArray(items)) return null
  return items.find((item) => item?.id === primaryId) ?? null
}

/** Short, so a hostile metadata value cannot flood the logs. */
function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

/**
 * Maps Clerk's user JSON to the `SyncedUser` clerk-sync stores.
 *
 * The role comes from `public_metadata.role` only, never from `unsafe_metadata`, which the browser
 * can write. A role outside `roles` becomes `roles.defaultRole`, with a warning.
 */
export function mapClerkUser<R extends string = (typeof defaultRoles.roles)[number]>(
  userJson: ClerkUserJSON,
  roles: RoleDefinition<R> = defaultRoles as unknown as RoleDefinition<R>,
  options: MapClerkUserOptions = {},
): SyncedUser<R> {
  const warn = options.onWarning ?? (() => {})
  const email = primaryOf(userJson.email_addresses, userJson.primary_email_address_id)
  const phone = primaryOf(userJson.phone_numbers, userJson.primary_phone_number_id)
  if (!email) warn(`User ${userJson.id} has no primary email address; synced with email null`)

  const rawRole = userJson.public_metadata?.role
  let role = roles.defaultRole
  if (roles.isRole(rawRole)) {
    role = rawRole
  } else if (rawRole !== undefined && rawRole !== null) {
    warn(
      `User ${userJson.id} has public_metadata.role ${describe(rawRole)}, which is not one of ` +
        `${roles.roles.join(', ')}; using "${roles.defaultRole}"`,
    )
  }

  return {
    id: userJson.id,
    email: textOrNull(email?.email_address),
    firstName: textOrNull(userJson.first_name),
    lastName: textOrNull(userJson.last_name),
    username: textOrNull(userJson.username),
    phone: textOrNull(phone?.phone_number),
    imageUrl: textOrNull(userJson.image_url),
    role,
    // A user event needs only `updated_at`; Clerk always sends `created_at`, but don't insist.
    createdAt: new Date(userJson.created_at ?? userJson.updated_at),
    updatedAt: new Date(userJson.updated_at),
  }
}
