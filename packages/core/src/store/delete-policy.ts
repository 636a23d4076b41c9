import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { SyncedUserField } from './synced-user.js'

/**
 * What a store does to the app's row on `user.deleted`. The tombstone (the state row's
 * `deleted_at`) is recorded the same way under each, so no later upsert revives the user, and no
 * read returns them.
 *
 * - `delete` (default): the row is deleted, and the database's `ON DELETE CASCADE` runs.
 * - `soft`: the row is kept and its mapped `deletedAt` column set to the delete time, so the app's
 *   business records (orders, posts) that reference it stay.
 * - `anonymize`: the row is kept and its synced personal fields (PERSONAL_FIELDS and mapped
 *   extras) set to null; a mapped `deletedAt` column is set too.
 */
export type DeletePolicy = 'delete' | 'soft' | 'anonymize'

export const DELETE_POLICIES: readonly DeletePolicy[] = ['delete', 'soft', 'anonymize']

/** The synced fields that say who the user is: what `anonymize` nulls (with mapped extras). */
export const PERSONAL_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'username',
  'phone',
  'imageUrl',
] as const satisfies ReadonlyArray<SyncedUserField>

/** The store's `onDelete` option checked at start-up: undefined is `delete`. */
export function resolveDeletePolicy(value: unknown, storeName: string): DeletePolicy {
  if (value === undefined) return 'delete'
  if (typeof value === 'string' && (DELETE_POLICIES as readonly string[]).includes(value))
    return value as DeletePolicy
  throw new ClerkSyncError(
    ErrorCode.CONFIG_INVALID,
    `${storeName}: onDelete must be ${DELETE_POLICIES.map((p) => `'${p}'`).join(', ')}; got ${JSON.stringify(value)}.`,
  )
}
