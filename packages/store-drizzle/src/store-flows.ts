import {
  type BulkUpsertInput,
  type BulkUpsertResult,
  type DeleteUserInput,
  type DeleteUserResult,
  isFreshWrite,
  previousRoleOf,
  roleChangeOf,
  type SyncedUser,
  type UpsertUserInput,
  type UpsertUserResult,
} from '@clerk-sync/core'
import type { DialectOps } from './dialects/ops.js'
import type { Flow } from './flow.js'

/**
 * One user, one transaction: claim the event id (a duplicate waits here for its first delivery),
 * create-if-missing and lock the user's state row (every write for the user queues on it), decide
 * by version and tombstone, then write the user, the state and any audit row.
 */
export function* upsertUserFlow(
  ops: DialectOps,
  tx: unknown,
  input: UpsertUserInput<string>,
): Flow<UpsertUserResult<string>> {
  const { user, origin, event } = input
  if (event && !(yield* ops.claimEvent(tx, event)))
    return { outcome: 'duplicate', previousRole: null, created: false }
  yield* ops.ensureStates(tx, [user.id])
  const [state] = yield* ops.lockStates(tx, [user.id])
  if (!state) throw new Error(`clerk-sync: no state row for ${user.id} after creating it`)
  if (!isFreshWrite(state, user)) return { outcome: 'stale', previousRole: null, created: false }
  const existing = yield* ops.readUsers(tx, [user.id])
  const previousRole =
    input.roleBefore !== undefined ? input.roleBefore : previousRoleOf(state, existing, user.id)
  yield* ops.writeUsers(tx, [user], existing)
  yield* ops.saveStates(tx, [
    { userId: user.id, version: user.updatedAt.getTime(), deletedAt: null, role: user.role },
  ])
  const audit = roleChangeOf(previousRole, user, origin, event?.id ?? null)
  if (audit) yield* ops.insertAudit(tx, [audit])
  return { outcome: 'applied', previousRole, created: !existing.has(user.id) }
}

export function* deleteUserFlow(
  ops: DialectOps,
  tx: unknown,
  input: DeleteUserInput,
): Flow<DeleteUserResult> {
  const { userId, deletedAt, event } = input
  if (event && !(yield* ops.claimEvent(tx, event))) return { outcome: 'duplicate' }
  yield* ops.ensureStates(tx, [userId])
  const [state] = yield* ops.lockStates(tx, [userId])
  if (!state) throw new Error(`clerk-sync: no state row for ${userId} after creating it`)
  if (state.deletedAt !== null) return { outcome: 'stale' }
  yield* ops.deleteUserRow(tx, userId)
  yield* ops.saveStates(tx, [
    { userId, version: Math.max(state.version, deletedAt.getTime()), deletedAt, role: state.role },
  ])
  return { outcome: 'applied' }
}

/** Many users in one transaction, in batches each dialect's parameter limit allows. */
export function* upsertUsersFlow(
  ops: DialectOps,
  tx: unknown,
  input: BulkUpsertInput<string>,
): Flow<BulkUpsertResult> {
  // The newest copy of each id wins, as it would arriving one by one.
  const newest = new Map<string, SyncedUser<string>>()
  for (const user of input.users) {
    const seen = newest.get(user.id)
    if (!seen || user.updatedAt.getTime() >= seen.updatedAt.getTime()) newest.set(user.id, user)
  }
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
