import type { SyncedUser } from './synced-user.js'
import type {
  BulkUpsertInput,
  BulkUpsertResult,
  UpsertUserInput,
  UpsertUserResult,
} from './user-store.js'

/** The newest copy of each id, in first-seen order: what arriving one by one would leave. */
export function newestPerUser(users: SyncedUser<string>[]): Map<string, SyncedUser<string>> {
  const newest = new Map<string, SyncedUser<string>>()
  for (const user of users) {
    const seen = newest.get(user.id)
    if (!seen || user.updatedAt.getTime() >= seen.updatedAt.getTime()) newest.set(user.id, user)
  }
  return newest
}

export interface BulkAsBatches {
  /** The ids in the caller's order (first sight), for the result. */
  order: string[]
  /** One input per user, sorted by id (so concurrent writers lock in one order), in chunks. */
  batches: UpsertUserInput<string>[][]
}

/**
 * A bulk upsert (backfill, reconcile) as group-commit batches without event ids: a store whose
 * `upsertUserBatch` is one statement writes a page of users in one round trip, under the same
 * version guard and with the same audit rows as a webhook.
 */
export function bulkAsBatches(input: BulkUpsertInput<string>, batchSize: number): BulkAsBatches {
  const newest = newestPerUser(input.users)
  const sorted = [...newest.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const batches: UpsertUserInput<string>[][] = []
  for (let i = 0; i < sorted.length; i += batchSize) {
    batches.push(sorted.slice(i, i + batchSize).map((user) => ({ user, origin: input.origin })))
  }
  return { order: [...newest.keys()], batches }
}

/** The batches' answers as the bulk upsert's: applied and stale ids in the caller's order. */
export function bulkResultOf(
  { order, batches }: BulkAsBatches,
  results: UpsertUserResult<string>[][],
): BulkUpsertResult {
  const applied = new Set<string>()
  batches.forEach((batch, b) => {
    batch.forEach((input, i) => {
      if (results[b]![i]!.outcome === 'applied') applied.add(input.user.id)
    })
  })
  return {
    applied: order.filter((id) => applied.has(id)),
    stale: order.filter((id) => !applied.has(id)),
    failed: [],
  }
}
