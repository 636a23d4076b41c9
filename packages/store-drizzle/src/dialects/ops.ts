import type { AuditEntry, SyncedUser } from '@clerk-sync/core'
import {
  NEW_SYNC_STATE_VERSION,
  type RoleChange,
  type UserSyncState,
  type WriteOps,
} from '@clerk-sync/core/store-kit'
import type { ResolvedUsersTable } from '../users-table.js'

/** One row of `clerk_sync_user_state`. */
export type StateRow = UserSyncState

/** The state rows of users seen for the first time: no version yet, not deleted, no role. */
export function newStateRows(ids: string[]) {
  return ids.map((userId) => ({
    userId,
    version: NEW_SYNC_STATE_VERSION,
    deletedAt: null,
    role: null,
  }))
}

/** One row of `clerk_sync_role_audit`. */
export type AuditRow = RoleChange

/** The write queries for one dialect over its own transaction type: core's `WriteOps`. */
export type DialectOps<Tx = unknown> = WriteOps<Tx>

export interface ReadOps {
  getUser(id: string): Promise<SyncedUser<string> | null>
  /** The live users among these ids (at most 1000, no repeats), in one statement. */
  getUsers(ids: string[]): Promise<SyncedUser<string>[]>
  listUsers(options: {
    role?: string
    limit: number
    after: string | null
  }): Promise<SyncedUser<string>[]>
  countUsersByRole(): Promise<Record<string, number>>
  listAuditEntries(options: {
    userId?: string
    limit: number
    after: number | null
  }): Promise<AuditEntry<string>[]>
  pruneEvents(olderThan: Date): Promise<number>
  hasEvent(id: string): Promise<boolean>
  /** Reads no rows from each table the store uses; throws the driver's error for a missing one. */
  checkSchema(): Promise<void>
}

export interface DialectContext {
  users: ResolvedUsersTable
}
