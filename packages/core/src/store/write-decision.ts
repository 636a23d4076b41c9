import type { SyncedUser } from './synced-user.js'
import type { WriteOrigin, WriteSource } from './user-store.js'

/**
 * The decisions every store makes the same way, for store authors: whether a write is fresh,
 * which role it replaces, and whether that is a role change to audit.
 */

/** A user's sync state as a store keeps it: never deleted, the version guard and tombstone. */
export interface UserSyncState {
  userId: string
  /** Clerk's `updated_at` (ms) of the newest write applied; `NEW_SYNC_STATE_VERSION` before any. */
  version: number
  deletedAt: Date | null
  /** The role last synced. */
  role: string | null
}

/** The version of a state row created just now, before its first write. */
export const NEW_SYNC_STATE_VERSION = -1

/** Applies only if not deleted and not older than what was applied (ties apply: the echo of a write). */
export function isFreshWrite(state: UserSyncState, user: SyncedUser<string>): boolean {
  return state.deletedAt === null && user.updatedAt.getTime() >= state.version
}

/**
 * The role a write replaces: the app's own row's role when it has a row (and a role column),
 * else the role last synced; null for a user the app did not have.
 */
export function previousRoleOf(
  state: UserSyncState,
  existingRoles: ReadonlyMap<string, string | null>,
  userId: string,
): string | null {
  if (!existingRoles.has(userId)) return null
  return existingRoles.get(userId) ?? state.role
}

/**
 * The audit's "from" for a write: the caller's `roleBefore` when it gave one (the role manager
 * passes Clerk's), else the role the store held. When the store already holds the new role, the
 * change was recorded by the write that brought it (the webhook echo of a set-role that landed
 * first), so the stored role stands and no second entry is written.
 */
export function auditFromRole(
  roleBefore: string | null | undefined,
  storedRole: string | null,
  newRole: string,
): string | null {
  return roleBefore === undefined || storedRole === newRole ? storedRole : roleBefore
}

export interface RoleChange {
  actor: string | null
  targetUserId: string
  fromRole: string | null
  toRole: string
  at: Date
  source: WriteSource
  eventId: string | null
}

/** The audit entry for a write, or null: only a change on a user the app already had counts. */
export function roleChangeOf(
  previousRole: string | null,
  user: SyncedUser<string>,
  origin: WriteOrigin,
  eventId: string | null,
): RoleChange | null {
  if (previousRole === null || previousRole === user.role) return null
  return {
    actor: origin.actor,
    targetUserId: user.id,
    fromRole: previousRole,
    toRole: user.role,
    at: new Date(),
    source: origin.source,
    eventId,
  }
}
