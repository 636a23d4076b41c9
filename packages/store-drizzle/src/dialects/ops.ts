import type { AuditEntry, EventRef, RoleChange, SyncedUser, UserSyncState } from '@clerk-sync/core'
import type { ResolvedUsersTable } from '../users-table.js'

/** One row of `clerk_sync_user_state`. */
export type StateRow = UserSyncState

/** One row of `clerk_sync_role_audit`. */
export type AuditRow = RoleChange

type Op<T> = Generator<unknown, T, unknown>

/**
 * The queries one dialect needs, as generators that yield each query (see flow.ts), so the same
 * flows run on synchronous SQLite. `tx` is the transaction Drizzle handed the flow.
 */
export interface DialectOps {
  /** Records the event id; false when it was already recorded (after waiting for its writer). */
  claimEvent(tx: unknown, event: EventRef): Op<boolean>
  /** Makes sure each id has a state row (ids sorted, so concurrent batches lock in one order). */
  ensureStates(tx: unknown, ids: string[]): Op<void>
  /** Reads the state rows and locks them until the transaction ends. */
  lockStates(tx: unknown, ids: string[]): Op<StateRow[]>
  saveStates(tx: unknown, rows: StateRow[]): Op<void>
  /**
   * The app's rows for these ids, if any, with their role (null when no role column is mapped).
   * Read under the state lock: a row that existed before clerk-sync counts as existing.
   */
  readUsers(tx: unknown, ids: string[]): Op<Map<string, string | null>>
  /** Writes users by id (insert or update), touching only mapped columns. */
  writeUsers(
    tx: unknown,
    users: SyncedUser<string>[],
    existing: ReadonlyMap<string, unknown>,
  ): Op<void>
  deleteUserRow(tx: unknown, userId: string): Op<void>
  insertAudit(tx: unknown, rows: AuditRow[]): Op<void>
  /** Rows per statement, within the dialect's bound-parameter limit. */
  batchSize: number
}

export interface ReadOps {
  getUser(id: string): Promise<SyncedUser<string> | null>
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
}

export interface DialectContext {
  users: ResolvedUsersTable
}
