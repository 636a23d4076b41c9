import type { Flow } from './flow.js'
import type { UpsertUserInput, UpsertUserResult } from './user-store.js'
import {
  auditFromRole,
  isFreshWrite,
  previousRoleOf,
  type RoleChange,
  roleChangeOf,
} from './write-decision.js'
import type { WriteOps } from './write-flows.js'

/**
 * Group commit for transactional stores: many webhook upserts in one transaction, answered as
 * `upsertUserFlow` answers each alone. Each event id is claimed on its own (sorted, so two batches
 * claim in one order); the users that go on are then handled with the multi-row statements of the
 * bulk flow: N + 6 statements for N events instead of about 8N, and one commit. The caller passes
 * at most one input per user and per event id (withGroupCommit does).
 */
export function* upsertUserBatchFlow<Tx>(
  ops: WriteOps<Tx>,
  tx: Tx,
  inputs: UpsertUserInput<string>[],
): Flow<UpsertUserResult<string>[]> {
  assertOnePerKey(inputs)
  const results: Array<UpsertUserResult<string> | undefined> = new Array(inputs.length)
  const byEvent = inputs
    .map((input, index) => ({ input, index }))
    .filter(({ input }) => input.event !== undefined)
    .sort((a, b) => compare(a.input.event!.id, b.input.event!.id))
  for (const { input, index } of byEvent) {
    if (!(yield* ops.claimEvent(tx, input.event!))) {
      results[index] = { outcome: 'duplicate', previousRole: null, created: false }
    }
  }
  const going = inputs
    .map((input, index) => ({ input, index }))
    .filter(({ index }) => results[index] === undefined)
    .sort((a, b) => compare(a.input.user.id, b.input.user.id))
  for (let i = 0; i < going.length; i += ops.batchSize) {
    const chunk = going.slice(i, i + ops.batchSize)
    const ids = chunk.map(({ input }) => input.user.id)
    yield* ops.ensureStates(tx, ids)
    const states = new Map((yield* ops.lockStates(tx, ids)).map((s) => [s.userId, s]))
    const fresh = chunk.filter(({ input }) => {
      const state = states.get(input.user.id)
      if (!state) throw new Error(`clerk-sync: no state row for ${input.user.id} after creating it`)
      return isFreshWrite(state, input.user)
    })
    for (const { index } of chunk) {
      results[index] = { outcome: 'stale', previousRole: null, created: false }
    }
    if (fresh.length === 0) continue
    const existing = yield* ops.readUsers(
      tx,
      fresh.map(({ input }) => input.user.id),
    )
    yield* ops.writeUsers(
      tx,
      fresh.map(({ input }) => input.user),
      existing,
    )
    yield* ops.saveStates(
      tx,
      fresh.map(({ input: { user } }) => ({
        userId: user.id,
        version: user.updatedAt.getTime(),
        deletedAt: null,
        role: user.role,
      })),
    )
    const audits: RoleChange[] = []
    for (const { input, index } of fresh) {
      const { user } = input
      const previousRole = auditFromRole(
        input.roleBefore,
        previousRoleOf(states.get(user.id)!, existing, user.id),
        user.role,
      )
      results[index] = { outcome: 'applied', previousRole, created: !existing.has(user.id) }
      const audit = roleChangeOf(previousRole, user, input.origin, input.event?.id ?? null)
      if (audit) audits.push(audit)
    }
    if (audits.length) yield* ops.insertAudit(tx, audits)
  }
  return results as UpsertUserResult<string>[]
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function assertOnePerKey(inputs: UpsertUserInput<string>[]): void {
  const users = new Set<string>()
  const events = new Set<string>()
  for (const { user, event } of inputs) {
    if (users.has(user.id) || (event && events.has(event.id))) {
      throw new RangeError(
        'clerk-sync: a batch holds one upsert per user and per event id; split the rest into later batches',
      )
    }
    users.add(user.id)
    if (event) events.add(event.id)
  }
}
