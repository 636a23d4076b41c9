import { oncePerTurn } from '../timing/next-turn.js'
import type { UpsertUserInput, UpsertUserResult, UserStore } from './user-store.js'

export interface GroupCommitOptions {
  /** Most upserts in one batch. Default 64. */
  maxBatch?: number
  /**
   * Batches written at once; each holds one pooled connection while it runs, so keep it below the
   * pool's size. Default 4.
   */
  maxInFlight?: number
}

interface Pending<R extends string> {
  input: UpsertUserInput<R>
  resolve(result: UpsertUserResult<R>): void
  reject(error: unknown): void
}

/**
 * Group commit over a store that has `upsertUserBatch`: webhook upserts that arrive while earlier
 * writes are running, or in the same turn of the event loop, share the next statement and commit.
 * Nothing waits on a timer: an upsert goes out at the end of the turn it arrived in (one
 * setImmediate), on its own when nothing else came, so an idle server adds no latency; under load,
 * upserts queue behind the running writes and leave together. Each answer
 * resolves only after its batch committed. A batch holds one input per user and per event id (the
 * rest wait for the next), and a batch that fails is written again one input at a time, so one bad
 * event cannot fail the others. A store without `upsertUserBatch` is returned as it is.
 */
export function withGroupCommit<R extends string>(
  store: UserStore<R>,
  options: GroupCommitOptions = {},
): UserStore<R> {
  const writeBatch = store.upsertUserBatch?.bind(store)
  if (!writeBatch) return store
  const maxBatch = Math.max(1, options.maxBatch ?? 64)
  const maxInFlight = Math.max(1, options.maxInFlight ?? 4)
  let queue: Pending<R>[] = []
  let inFlight = 0

  function takeBatch(): Pending<R>[] {
    const batch: Pending<R>[] = []
    const rest: Pending<R>[] = []
    const users = new Set<string>()
    const events = new Set<string>()
    for (const item of queue) {
      const eventId = item.input.event?.id
      const clash = users.has(item.input.user.id) || (eventId !== undefined && events.has(eventId))
      if (batch.length === maxBatch || clash) {
        rest.push(item)
        continue
      }
      batch.push(item)
      users.add(item.input.user.id)
      if (eventId !== undefined) events.add(eventId)
    }
    queue = rest
    return batch
  }

  async function writeAlone(item: Pending<R>): Promise<void> {
    try {
      item.resolve(await store.upsertUser(item.input))
    } catch (error) {
      item.reject(error)
    }
  }

  async function write(batch: Pending<R>[]): Promise<void> {
    if (batch.length === 1) return writeAlone(batch[0]!)
    let results: UpsertUserResult<R>[]
    try {
      results = await writeBatch!(batch.map((item) => item.input))
    } catch {
      // Nothing of it committed: each input alone, with its own answer (and its own error).
      await Promise.all(batch.map(writeAlone))
      return
    }
    for (const [i, item] of batch.entries()) item.resolve(results[i]!)
  }

  function pump(): void {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch()
      inFlight++
      void write(batch).finally(() => {
        inFlight--
        pump()
      })
    }
  }

  // Upserts that arrive in one turn of the event loop leave together: the first schedules the
  // pump for the end of the turn (setImmediate, no timer). A synchronous driver (better-sqlite3)
  // finishes each write before the next request is read, so nothing would otherwise overlap.
  const schedule = oncePerTurn(pump)

  const grouped: UserStore<R> = {
    upsertUser(input) {
      return new Promise<UpsertUserResult<R>>((resolve, reject) => {
        queue.push({ input, resolve, reject })
        schedule()
      })
    },
    upsertUserBatch: (inputs) => writeBatch(inputs),
    deleteUser: (input) => store.deleteUser(input),
    upsertUsers: (input) => store.upsertUsers(input),
    getUser: (id) => store.getUser(id),
    listUsers: (opts) => store.listUsers(opts),
    countUsersByRole: () => store.countUsersByRole(),
    listAuditEntries: (opts) => store.listAuditEntries(opts),
    pruneEvents: (opts) => store.pruneEvents(opts),
  }
  if (store.mappedFields) Object.assign(grouped, { mappedFields: store.mappedFields })
  if (store.getUsers) grouped.getUsers = (ids) => store.getUsers!(ids)
  if (store.hasEvent) grouped.hasEvent = (id) => store.hasEvent!(id)
  if (store.checkSchema) grouped.checkSchema = () => store.checkSchema!()
  return grouped
}
