import { ErrorCode, isClerkSyncError } from '../errors/clerk-sync-error.js'
import { newestPerUser } from './bulk-as-batches.js'
import type { Flow } from './flow.js'
import type { SyncedUser } from './synced-user.js'
import type {
  BulkUpsertInput,
  BulkUpsertResult,
  DeleteUserInput,
  DeleteUserResult,
  EventRef,
  UpsertUserInput,
  UpsertUserResult,
  UserStore,
} from './user-store.js'
import {
  auditFromRole,
  isFreshWrite,
  NEW_SYNC_STATE_VERSION,
  previousRoleOf,
  type RoleChange,
  roleChangeOf,
  type UserSyncState,
} from './write-decision.js'

type Op<T> = Generator<unknown, T, unknown>

/** What `WriteOps.lockUser` found for one user, under the lock. */
export interface LockedUser {
  /** The state before this write (a new user's, when the row was created just now). */
  state: UserSyncState
  /** The app's row for the user, if any, with its role: what `readUsers` returns. */
  existing: ReadonlyMap<string, string | null>
  /** The state row did not exist, and was created holding `first`: nothing is left to save. */
  created: boolean
}

/**
 * The queries a transactional store supplies, as generators that yield each query (see flow.ts),
 * so the same write flows run on synchronous drivers too. `tx` is the store's transaction, typed
 * `Tx` (e.g. the driver's transaction object), so the store's ops need no cast.
 */
export interface WriteOps<Tx = unknown> {
  /** Records the event id; false when it was already recorded (after waiting for its writer). */
  claimEvent(tx: Tx, event: EventRef): Op<boolean>
  /** Makes sure each id has a state row (ids sorted, so concurrent batches lock in one order). */
  ensureStates(tx: Tx, ids: string[]): Op<void>
  /** Reads the state rows and locks them until the transaction ends. */
  lockStates(tx: Tx, ids: string[]): Op<UserSyncState[]>
  saveStates(tx: Tx, rows: UserSyncState[]): Op<void>
  /**
   * The app's rows for these ids, if any, with their role (null when no role column is mapped).
   * Read under the state lock: a row that existed before clerk-sync counts as existing.
   */
  readUsers(tx: Tx, ids: string[]): Op<Map<string, string | null>>
  /** Writes users by id (insert or update), touching only mapped columns. */
  writeUsers(tx: Tx, users: SyncedUser<string>[], existing: ReadonlyMap<string, unknown>): Op<void>
  /**
   * Removes the user's row on a delete, or, under a store's `soft`/`anonymize` policy, updates it
   * (deletedAt is when Clerk deleted the user). Runs after the tombstone's lock is taken.
   */
  deleteUserRow(tx: Tx, userId: string, deletedAt: Date): Op<void>
  insertAudit(tx: Tx, rows: RoleChange[]): Op<void>
  /** Rows per statement, within the database's bound-parameter limit. */
  batchSize: number
  /**
   * Optional, for a store that can do it in fewer statements: one user's ensureStates, lockStates
   * and readUsers together (the app's row read whatever the decision). A missing state row is
   * created holding `first`, the state this write leaves on a new row, and `created` says so.
   */
  lockUser?(tx: Tx, userId: string, first: UserSyncState): Op<LockedUser>
  /** Optional: writeUsers and saveStates for one user, in one statement where the store can. */
  writeUserAndState?(
    tx: Tx,
    user: SyncedUser<string>,
    existing: ReadonlyMap<string, unknown>,
    state: UserSyncState,
  ): Op<void>
}

/**
 * One user's state row, created if missing and locked, with what the store's `lockUser` also
 * read: the app's row (else null: read it with readUsers) and whether the row was created holding
 * `first` (then there is nothing left to save).
 */
function* lockOne<Tx>(
  ops: WriteOps<Tx>,
  tx: Tx,
  userId: string,
  first: UserSyncState,
): Flow<{
  state: UserSyncState
  existing: ReadonlyMap<string, string | null> | null
  saved: boolean
}> {
  if (ops.lockUser) {
    const { state, existing, created } = yield* ops.lockUser(tx, userId, first)
    return { state, existing, saved: created }
  }
  yield* ops.ensureStates(tx, [userId])
  const [state] = yield* ops.lockStates(tx, [userId])
  if (!state) throw new Error(`clerk-sync: no state row for ${userId} after creating it`)
  return { state, existing: null, saved: false }
}

/** The state of a user seen for the first time: no version yet, not deleted, no role. */
function newSyncState(userId: string): UserSyncState {
  return { userId, version: NEW_SYNC_STATE_VERSION, deletedAt: null, role: null }
}

/**
 * One user, one transaction: claim the event id (a duplicate waits here for its first delivery),
 * create-if-missing and lock the user's state row (every write for the user queues on it), decide
 * by version and tombstone, then write the user, the state and any audit row.
 */
export function* upsertUserFlow<Tx>(
  ops: WriteOps<Tx>,
  tx: Tx,
  input: UpsertUserInput<string>,
): Flow<UpsertUserResult<string>> {
  const { user, origin, event } = input
  if (event && !(yield* ops.claimEvent(tx, event)))
    return { outcome: 'duplicate', previousRole: null, created: false }
  const next: UserSyncState = {
    userId: user.id,
    version: user.updatedAt.getTime(),
    deletedAt: null,
    role: user.role,
  }
  const blank = newSyncState(user.id)
  const locked = yield* lockOne(ops, tx, user.id, isFreshWrite(blank, user) ? next : blank)
  const { state, saved } = locked
  if (!isFreshWrite(state, user)) return { outcome: 'stale', previousRole: null, created: false }
  const existing = locked.existing ?? (yield* ops.readUsers(tx, [user.id]))
  const previousRole = auditFromRole(
    input.roleBefore,
    previousRoleOf(state, existing, user.id),
    user.role,
  )
  if (saved) {
    yield* ops.writeUsers(tx, [user], existing)
  } else if (ops.writeUserAndState) {
    yield* ops.writeUserAndState(tx, user, existing, next)
  } else {
    yield* ops.writeUsers(tx, [user], existing)
    yield* ops.saveStates(tx, [next])
  }
  const audit = roleChangeOf(previousRole, user, origin, event?.id ?? null)
  if (audit) yield* ops.insertAudit(tx, [audit])
  return { outcome: 'applied', previousRole, created: !existing.has(user.id) }
}

export function* deleteUserFlow<Tx>(
  ops: WriteOps<Tx>,
  tx: Tx,
  input: DeleteUserInput,
): Flow<DeleteUserResult> {
  const { userId, deletedAt, event } = input
  if (event && !(yield* ops.claimEvent(tx, event))) return { outcome: 'duplicate' }
  const tombstone = (state: UserSyncState): UserSyncState => ({
    userId,
    version: Math.max(state.version, deletedAt.getTime()),
    deletedAt,
    role: state.role,
  })
  // A new row is not deleted yet, so the delete applies to it.
  const { state, saved } = yield* lockOne(ops, tx, userId, tombstone(newSyncState(userId)))
  if (state.deletedAt !== null) return { outcome: 'stale' }
  yield* ops.deleteUserRow(tx, userId, deletedAt)
  if (!saved) yield* ops.saveStates(tx, [tombstone(state)])
  return { outcome: 'applied' }
}

/** Many users in one transaction, in batches each dialect's parameter limit allows. */
export function* upsertUsersFlow<Tx>(
  ops: WriteOps<Tx>,
  tx: Tx,
  input: BulkUpsertInput<string>,
): Flow<BulkUpsertResult> {
  const newest = newestPerUser(input.users)
  const users = [...newest.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const result: BulkUpsertResult = { applied: [], stale: [], failed: [] }
  for (let i = 0; i < users.length; i += ops.batchSize) {
    const batch = users.slice(i, i + ops.batchSize)
    const ids = batch.map((u) => u.id)
    yield* ops.ensureStates(tx, ids)
    const states = new Map((yield* ops.lockStates(tx, ids)).map((s) => [s.userId, s]))
    const fresh = batch.filter((u) => isFreshWrite(states.get(u.id)!, u))
    const freshIds = new Set(fresh.map((u) => u.id))
    for (const u of batch) (freshIds.has(u.id) ? result.applied : result.stale).push(u.id)
    if (fresh.length === 0) continue
    const existing = yield* ops.readUsers(
      tx,
      fresh.map((u) => u.id),
    )
    yield* ops.writeUsers(tx, fresh, existing)
    yield* ops.saveStates(
      tx,
      fresh.map((u) => ({
        userId: u.id,
        version: u.updatedAt.getTime(),
        deletedAt: null,
        role: u.role,
      })),
    )
    const audits = fresh
      .map((u) =>
        roleChangeOf(previousRoleOf(states.get(u.id)!, existing, u.id), u, input.origin, null),
      )
      .filter((a) => a !== null)
    if (audits.length) yield* ops.insertAudit(tx, audits)
  }
  // Report in the caller's order.
  const appliedSet = new Set(result.applied)
  const order = [...newest.keys()]
  return {
    applied: order.filter((id) => appliedSet.has(id)),
    stale: order.filter((id) => !appliedSet.has(id)),
    failed: [],
  }
}

/**
 * A bulk upsert's fallback after the app's table refused one of its users (STORE_CONFLICT): each
 * user in its own transaction, conflicts reported per user in `failed`, everything else written.
 */
export async function upsertEachUser(
  store: Pick<UserStore<string>, 'upsertUser'>,
  input: BulkUpsertInput<string>,
): Promise<BulkUpsertResult> {
  const result: BulkUpsertResult = { applied: [], stale: [], failed: [] }
  for (const user of newestPerUser(input.users).values()) {
    try {
      const { outcome } = await store.upsertUser({ user, origin: input.origin })
      ;(outcome === 'applied' ? result.applied : result.stale).push(user.id)
    } catch (error) {
      if (!isClerkSyncError(error, ErrorCode.STORE_CONFLICT)) throw error
      result.failed.push({ id: user.id, reason: error.message })
    }
  }
  return result
}

/**
 * A bulk upsert with its fallback: `runBulk` writes every user in one transaction; when the app's
 * table refuses one of them (STORE_CONFLICT) the rest must not be held back, so each user is
 * written on its own (`upsertEachUser`). An empty input writes nothing.
 */
export async function upsertUsersOrEach(
  store: Pick<UserStore<string>, 'upsertUser'>,
  input: BulkUpsertInput<string>,
  runBulk: () => Promise<BulkUpsertResult>,
): Promise<BulkUpsertResult> {
  if (input.users.length === 0) return { applied: [], stale: [], failed: [] }
  try {
    return await runBulk()
  } catch (error) {
    if (!isClerkSyncError(error, ErrorCode.STORE_CONFLICT)) throw error
    return upsertEachUser(store, input)
  }
}
