import type { SyncedUser, SyncedUserField } from './synced-user.js'

/** Where a write came from, recorded with each role change in the audit log. */
/**
 * `webhook`: a Clerk delivery. `api`: the role manager's setUserRole (an admin's change). `bulk`:
 * bulkSetUserRoles. `sync`: syncUserRole's repair. `backfill`/`reconcile`: bulk imports.
 */
export type WriteSource = 'webhook' | 'api' | 'bulk' | 'sync' | 'backfill' | 'reconcile'

/** Who caused a write, for the audit log. Webhooks have no actor (`null`). */
export interface WriteOrigin {
  source: WriteSource
  actor: string | null
}

/** The webhook delivery a write belongs to; its id makes the write idempotent. */
export interface EventRef {
  /** `svix-id`: the same on every retry of one message. */
  id: string
  /** `user.created`, `user.updated`, `user.deleted`. */
  type: string
  receivedAt: Date
}

export interface UpsertUserInput<R extends string = string> {
  user: SyncedUser<R>
  origin: WriteOrigin
  /**
   * The role the user had before this write, when the caller knows it better than the store (the
   * role manager passes Clerk's). It becomes the audit entry's "from", also for a user the store
   * has never seen; undefined lets the store use the role it holds. When the store already holds
   * the new role, it is ignored and no entry is written: the write that brought the role (the
   * webhook echo of this change, landing first) recorded it.
   */
  roleBefore?: R | null
  /** Absent for writes that are not webhook deliveries (role manager, backfill). */
  event?: EventRef
}

export interface DeleteUserInput {
  userId: string
  /** When Clerk deleted the user (the envelope timestamp). */
  deletedAt: Date
  event?: EventRef
}

/**
 * - `applied`: the write took effect and the event id (if any) is recorded.
 * - `duplicate`: the event id was already recorded; nothing changed.
 * - `stale`: older than the stored version, or the user is deleted; the event id is recorded.
 */
export type WriteOutcome = 'applied' | 'duplicate' | 'stale'

export interface UpsertUserResult<R extends string = string> {
  outcome: WriteOutcome
  /** The role stored before this write (null when the user was new). Meaningful when `applied`. */
  previousRole: R | null
  /** True when the user had no row before (first sight, or only a version). */
  created: boolean
}

export interface DeleteUserResult {
  outcome: WriteOutcome
}

export interface BulkUpsertInput<R extends string = string> {
  users: SyncedUser<R>[]
  origin: WriteOrigin
}

export interface BulkUpsertResult {
  /** Ids written (new or newer than stored). */
  applied: string[]
  /** Ids skipped: older than stored, or deleted. */
  stale: string[]
  /**
   * Users the app's table refused (a NOT NULL or UNIQUE column: `STORE_CONFLICT`), each with the
   * reason. The rest of the batch is still written: one such user never holds back a backfill.
   */
  failed: Array<{ id: string; reason: string }>
}

export interface ListUsersOptions<R extends string = string> {
  role?: R
  /** Page size, 1..1000; default 100. */
  limit?: number
  /** `nextCursor` from the previous page. */
  cursor?: string | null
}

export interface UserPage<R extends string = string> {
  users: SyncedUser<R>[]
  /** Null on the last page. */
  nextCursor: string | null
}

/** One role change: who changed whose role, from what to what, when, and by which path. */
export interface AuditEntry<R extends string = string> {
  id: string
  actor: string | null
  targetUserId: string
  fromRole: R | null
  toRole: R
  at: Date
  source: WriteSource
  eventId: string | null
}

export interface ListAuditEntriesOptions {
  userId?: string
  /** Page size, 1..1000; default 100. */
  limit?: number
  cursor?: string | null
}

export interface AuditPage<R extends string = string> {
  /** Oldest first, by a monotonic id (an auto-increment), not by `at`, whose precision varies. */
  entries: AuditEntry<R>[]
  nextCursor: string | null
}

/**
 * Where clerk-sync keeps users. Every store honours the same rules, proven by
 * `storeConformance` from `@clerk-sync/testing`:
 *
 * - Idempotent per event id: recording the id and applying the effect are one atomic step. If the
 *   effect fails the id is not recorded. A concurrent duplicate waits for the first delivery to
 *   commit (or roll back, in which case it applies the event itself); exactly one reports `applied`.
 * - Version guard: an upsert applies only if `user.updatedAt` >= the stored version. The version
 *   lives in the store's own per-user state (id, version, deleted_at), which is never deleted.
 * - Tombstones are absolute: once deleted, no upsert for that id applies again.
 * - A role change on an existing user appends an audit entry in the same transaction.
 *
 * Stores throw their own errors; clerk-sync wraps and logs them once.
 */
export interface UserStore<R extends string = string> {
  /** Guarded, idempotent upsert of one user. */
  upsertUser(input: UpsertUserInput<R>): Promise<UpsertUserResult<R>>
  /**
   * Records the tombstone, even for a user never seen, and removes the user's row (or, under the
   * store's `onDelete: 'soft' | 'anonymize'`, keeps it marked or anonymized; see DeletePolicy).
   */
  deleteUser(input: DeleteUserInput): Promise<DeleteUserResult>
  /**
   * Optional: many webhook upserts in one transaction (group commit), answered in input order,
   * each as `upsertUser` would answer it alone: its own event claim, outcome and audit event id.
   * At most one input per user id and per event id (callers split the rest into later batches).
   * Throws when the batch fails as a whole; callers then write each input alone, so one bad event
   * cannot fail the others.
   */
  upsertUserBatch?(inputs: UpsertUserInput<R>[]): Promise<UpsertUserResult<R>[]>
  /** The guarded upsert for many users at once (backfill); thousands per call. */
  upsertUsers(input: BulkUpsertInput<R>): Promise<BulkUpsertResult>
  /** The user, or null when unknown or deleted. */
  getUser(id: string): Promise<SyncedUser<R> | null>
  /**
   * Optional: the live users among `ids` (at most 1000), in any order, in one query: unknown and
   * deleted ids are left out. Reconciliation reads the store's side of a page of Clerk users with
   * it; callers fall back to `getUser` per id when a store lacks it.
   */
  getUsers?(ids: string[]): Promise<SyncedUser<R>[]>
  /** Users ordered by id, optionally of one role. */
  listUsers(options?: ListUsersOptions<R>): Promise<UserPage<R>>
  /** Live users per stored role. Roles with no users may be absent. */
  countUsersByRole(): Promise<Partial<Record<R, number>>>
  listAuditEntries(options?: ListAuditEntriesOptions): Promise<AuditPage<R>>
  /** Forgets event ids received before `olderThan`; returns how many were removed. */
  pruneEvents(options: { olderThan: Date }): Promise<number>
  /**
   * Whether the event id is recorded (handled, applied or stale, and not pruned yet). Lets core
   * answer `duplicate` to a replay it can no longer map (the app's `mapUser` throws for it now).
   * Optional for stores written before it existed; every store clerk-sync ships has it, and
   * `storeConformance` tests it.
   */
  hasEvent?(eventId: string): Promise<boolean>
  /**
   * Resolves when the store's tables exist; otherwise throws a `ClerkSyncError`
   * (`STORE_NOT_MIGRATED`) naming the migration to run. Core calls it once at start-up, so a
   * missing migration is said once, before any delivery fails. Optional: a store with nothing to
   * migrate leaves it out.
   */
  checkSchema?(): Promise<void>
  /**
   * The `SyncedUser` fields the store keeps; its reads answer null for the others (an app's own
   * table may have no column for a phone or `updatedAt`). Reconcile compares only these, so an
   * unmapped field is not reported as drift on every run. Absent: every field.
   */
  readonly mappedFields?: readonly SyncedUserField[]
}
