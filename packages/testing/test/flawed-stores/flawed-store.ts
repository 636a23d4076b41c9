import type {
  AuditEntry,
  SyncedUser,
  UpsertUserInput,
  UpsertUserResult,
  UserStore,
} from '@clerk-sync/core'
import { decodeCursor, encodeCursor, resolvePageLimit } from '@clerk-sync/core/store-kit'
import type { ConformanceHarness, KeepingDeletePolicy } from '@clerk-sync/testing/conformance'

/** One broken rule each; the conformance suite must catch every one of them. */
export type Flaw =
  | 'duplicates-do-not-wait'
  | 'no-version-guard'
  | 'delete-forgets-tombstone'
  | 'records-event-before-effect'
  | 'audits-every-write'
  | 'stale-events-not-recorded'
  | 'upsert-decides-before-hold'
  | 'reads-previous-role-before-hold'
  | 'bulk-repeats-ids'
  | 'has-event-only-applied'
  | 'batch-not-atomic'
  | 'batch-audits-without-event-id'
  | 'batch-decides-before-wait'
  | 'kept-rows-listed'
  | 'anonymize-keeps-phone'
  | 'soft-deletes-row'
  | 'keep-misses-racing-insert'
  | 'get-users-caps-at-100'
  | 'mapped-fields-overclaims'
  | 'trusts-role-before-over-stored-role'

/** The flaws of a group commit; only their stores have `upsertUserBatch`, the others none. */
const batchFlaws: ReadonlySet<Flaw> = new Set<Flaw>([
  'batch-not-atomic',
  'batch-audits-without-event-id',
  'batch-decides-before-wait',
])

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A plain store that honours the contract except for one flaw. Only for proving that the
 * conformance suite fails stores that break a rule; not a model of how to write one.
 */
export function flawedHarness(flaw: Flaw, policy?: KeepingDeletePolicy): ConformanceHarness {
  const users = new Map<string, SyncedUser>()
  /** Rows kept for deleted users under a `soft`/`anonymize` policy; reads leave them out. */
  const kept = new Map<string, { user: SyncedUser; deletedAt: Date }>()
  /** What reads see: the live users, and (the flaw) the kept rows too. */
  const readable = () =>
    flaw === 'kept-rows-listed'
      ? [...users.values(), ...[...kept.values()].map((k) => k.user)]
      : [...users.values()]
  const state = new Map<string, { version: number; deletedAt: Date | null }>()
  const events = new Map<string, Date>()
  const appliedEvents = new Set<string>()
  const audit: AuditEntry[] = []
  const locks = new Map<string, Promise<void>>()
  const held = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()

  async function withEventLock<T>(eventId: string | undefined, run: () => Promise<T>): Promise<T> {
    if (!eventId || flaw === 'duplicates-do-not-wait') return run()
    const previous = locks.get(eventId) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => (release = resolve))
    locks.set(
      eventId,
      previous.then(() => mine),
    )
    await previous
    try {
      return await run()
    } finally {
      release()
    }
  }

  /** Every id's lock, taken in sorted order so that two batches never wait for each other. */
  function withEventLocks<T>(eventIds: string[], run: () => Promise<T>): Promise<T> {
    const [first, ...rest] = eventIds
    return first === undefined ? run() : withEventLock(first, () => withEventLocks(rest, run))
  }

  async function hold(userId: string) {
    const h = held.get(userId)
    if (!h) return
    held.delete(userId)
    h.enter()
    await sleep(h.delayMs)
    if (h.fail) throw new Error('injected failure')
  }

  /** The audit's "from": roleBefore, unless the store already holds the new role (the flaw: always). */
  function fromRoleOf(user: SyncedUser, roleBefore: string | null | undefined): string | null {
    const stored = users.get(user.id)?.role ?? null
    if (roleBefore === undefined) return stored
    return flaw === 'trusts-role-before-over-stored-role' || stored !== user.role
      ? roleBefore
      : stored
  }

  function write(
    user: SyncedUser,
    source: AuditEntry['source'],
    actor: string | null,
    eventId: string | null,
    roleBefore?: string | null,
  ) {
    const fromRole = fromRoleOf(user, roleBefore)
    users.set(user.id, structuredClone(user))
    state.set(user.id, { version: user.updatedAt.getTime(), deletedAt: null })
    if (fromRole !== null && (flaw === 'audits-every-write' || fromRole !== user.role)) {
      audit.push({
        id: String(audit.length).padStart(8, '0'),
        actor,
        targetUserId: user.id,
        fromRole,
        toRole: user.role,
        at: new Date(),
        source,
        eventId,
      })
    }
  }

  function fresh(user: SyncedUser): boolean {
    const s = state.get(user.id)
    if (!s) return true
    if (s.deletedAt) return false
    return flaw === 'no-version-guard' || user.updatedAt.getTime() >= s.version
  }

  /** What an upsert reads of the user: whether it is fresh, the role before it, whether it is new. */
  function readFor({ user, roleBefore }: UpsertUserInput) {
    return {
      fresh: fresh(user),
      previousRole: fromRoleOf(user, roleBefore),
      created: !users.has(user.id),
    }
  }

  /** One input of a batch, written without waiting: the batch's commit runs them all at once. */
  function commitOne(
    { user, origin, event }: UpsertUserInput,
    read: ReturnType<typeof readFor>,
  ): UpsertUserResult {
    if (event && events.has(event.id))
      return { outcome: 'duplicate', previousRole: null, created: false }
    if (!read.fresh) {
      if (event) events.set(event.id, event.receivedAt)
      return { outcome: 'stale', previousRole: null, created: false }
    }
    // The flaw: the batch's audit rows name no event, as a backfill's do.
    const eventId = flaw === 'batch-audits-without-event-id' ? null : (event?.id ?? null)
    write(user, origin.source, origin.actor, eventId, read.previousRole)
    if (event) events.set(event.id, event.receivedAt)
    if (event) appliedEvents.add(event.id)
    return { outcome: 'applied', previousRole: read.previousRole, created: read.created }
  }

  /** Group commit: every input's event lock, then every hold, then all writes in one step. */
  async function upsertUserBatch(inputs: UpsertUserInput[]): Promise<UpsertUserResult[]> {
    if (flaw === 'batch-not-atomic') {
      // The flaw: one upsert after another, each committed alone; a failure part-way keeps the
      // inputs before it.
      const results: UpsertUserResult[] = []
      for (const input of inputs) results.push(await store.upsertUser(input))
      return results
    }
    const eventIds = [...new Set(inputs.flatMap((i) => (i.event ? [i.event.id] : [])))].sort()
    return withEventLocks(eventIds, async () => {
      // The flaw: versions, roles and rows read before waiting (one SELECT, no row locks), written
      // later as if no other batch had committed meanwhile.
      const readBefore = flaw === 'batch-decides-before-wait' ? inputs.map(readFor) : undefined
      await sleep(1)
      for (const input of inputs) await hold(input.user.id)
      // Nothing awaits from here on: the batch commits whole, or (a hold failed) not at all.
      return inputs.map((input, k) => commitOne(input, readBefore?.[k] ?? readFor(input)))
    })
  }

  const store: UserStore = {
    ...(batchFlaws.has(flaw) ? { upsertUserBatch } : {}),
    // The flaw: names the phone as kept while its reads never return one (no column for it).
    ...(flaw === 'mapped-fields-overclaims'
      ? { mappedFields: ['email', 'phone', 'role'] as const }
      : {}),
    upsertUser({ user, origin, event, roleBefore }) {
      return withEventLock(event?.id, async (): Promise<UpsertUserResult> => {
        if (event && events.has(event.id))
          return { outcome: 'duplicate', previousRole: null, created: false }
        if (event && flaw === 'records-event-before-effect') events.set(event.id, event.receivedAt)
        await sleep(1)
        // The naive SQL upsert: decide, then write later, without a lock on the user's state.
        const decided = flaw === 'upsert-decides-before-hold' ? fresh(user) : undefined
        // A snapshot read before waiting (what other reads in a one-statement upsert see): the
        // role and the row's existence from before a write that commits meanwhile; only the
        // version guard is decided after the wait.
        const readBefore =
          flaw === 'reads-previous-role-before-hold'
            ? {
                previousRole:
                  roleBefore !== undefined ? roleBefore : (users.get(user.id)?.role ?? null),
                created: !users.has(user.id),
              }
            : undefined
        await hold(user.id)
        const previousRole = readBefore
          ? readBefore.previousRole
          : roleBefore !== undefined
            ? roleBefore
            : (users.get(user.id)?.role ?? null)
        if (!(decided ?? fresh(user))) {
          if (event && flaw !== 'stale-events-not-recorded') events.set(event.id, event.receivedAt)
          // As the reference flow answers: a stale write reports no previous role.
          return { outcome: 'stale', previousRole: null, created: false }
        }
        const created = readBefore ? readBefore.created : !users.has(user.id)
        write(
          user,
          origin.source,
          origin.actor,
          event?.id ?? null,
          readBefore ? readBefore.previousRole : roleBefore,
        )
        if (event) events.set(event.id, event.receivedAt)
        if (event) appliedEvents.add(event.id)
        return { outcome: 'applied', previousRole, created }
      })
    },
    deleteUser({ userId, deletedAt, event }) {
      return withEventLock(event?.id, async () => {
        if (event && events.has(event.id)) return { outcome: 'duplicate' as const }
        // The flaw: which row to keep is decided from a read before waiting (a statement's
        // snapshot), so a row a racing upsert writes meanwhile is left as it is.
        const readBefore = flaw === 'keep-misses-racing-insert' ? users.get(userId) : undefined
        if (flaw === 'keep-misses-racing-insert') await sleep(2)
        await hold(userId)
        if (state.get(userId)?.deletedAt) return { outcome: 'stale' as const }
        const row = flaw === 'keep-misses-racing-insert' ? readBefore : users.get(userId)
        if (row) users.delete(userId)
        if (row && policy && !(policy === 'soft' && flaw === 'soft-deletes-row')) {
          const keptUser = structuredClone(row)
          if (policy === 'anonymize') {
            keptUser.email = keptUser.firstName = keptUser.lastName = null
            keptUser.username = keptUser.imageUrl = null
            // The flaw: one personal field forgotten.
            if (flaw !== 'anonymize-keeps-phone') keptUser.phone = null
          }
          kept.set(userId, { user: keptUser, deletedAt })
        }
        if (flaw === 'delete-forgets-tombstone') state.delete(userId)
        else state.set(userId, { version: deletedAt.getTime(), deletedAt })
        if (event) events.set(event.id, event.receivedAt)
        if (event) appliedEvents.add(event.id)
        return { outcome: 'applied' as const }
      })
    },
    async upsertUsers({ users: batch, origin }) {
      const result = { applied: [] as string[], stale: [] as string[], failed: [] }
      // The newest copy of each id, as arriving one by one would leave it; the flaw writes every copy.
      const newest = new Map<string, SyncedUser>()
      for (const user of batch) {
        const seen = newest.get(user.id)
        if (!seen || user.updatedAt >= seen.updatedAt) newest.set(user.id, user)
      }
      for (const user of flaw === 'bulk-repeats-ids' ? batch : newest.values()) {
        if (fresh(user)) {
          write(user, origin.source, origin.actor, null)
          result.applied.push(user.id)
        } else result.stale.push(user.id)
      }
      return result
    },
    async getUser(id) {
      const found = structuredClone(users.get(id) ?? null)
      if (found && flaw === 'mapped-fields-overclaims') found.phone = null
      return found
    },
    async getUsers(ids) {
      if (ids.length > 1000) throw new RangeError('getUsers takes at most 1000 ids')
      // The flaw: only the first 100 ids looked up (a chunk size, the rest of the chunks forgotten).
      const wanted = new Set(flaw === 'get-users-caps-at-100' ? ids.slice(0, 100) : ids)
      return structuredClone(readable().filter((u) => wanted.has(u.id)))
    },
    async listUsers(options = {}) {
      const limit = resolvePageLimit(options.limit)
      const after = decodeCursor(options.cursor)
      const all = readable()
        .filter(
          (u) =>
            (after === null || u.id > after) &&
            (options.role === undefined || u.role === options.role),
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1))
      const page = all.slice(0, limit)
      return {
        users: structuredClone(page),
        nextCursor: all.length > limit ? encodeCursor(page.at(-1)!.id) : null,
      }
    },
    async countUsersByRole() {
      const counts: Record<string, number> = {}
      for (const u of readable()) counts[u.role] = (counts[u.role] ?? 0) + 1
      return counts
    },
    async listAuditEntries(options = {}) {
      const limit = resolvePageLimit(options.limit)
      const after = decodeCursor(options.cursor)
      const all = audit.filter(
        (e) =>
          (options.userId === undefined || e.targetUserId === options.userId) &&
          (after === null || e.id > after),
      )
      const entries = all.slice(0, limit)
      return {
        entries: structuredClone(entries),
        nextCursor: all.length > limit ? encodeCursor(entries.at(-1)!.id) : null,
      }
    },
    async hasEvent(id) {
      // The flaw: a handler's own bookkeeping of what it applied, not the store's record of ids.
      return flaw === 'has-event-only-applied' ? appliedEvents.has(id) : events.has(id)
    },
    async pruneEvents({ olderThan }) {
      let removed = 0
      for (const [id, at] of events) if (at < olderThan && events.delete(id)) removed++
      return removed
    },
  }

  return {
    store,
    delayNextWrite(userId, { delayMs, fail = false }) {
      let enter!: () => void
      const entered = new Promise<void>((resolve) => (enter = resolve))
      held.set(userId, { delayMs, fail, enter })
      return { entered }
    },
    inspect: {
      eventRecorded: async (id) => events.has(id),
      syncState: async (id) => structuredClone(state.get(id) ?? null),
      userRowExists: async (id) => users.has(id) || kept.has(id),
      async userRow(id) {
        const live = users.get(id)
        const k = kept.get(id)
        const row = live ?? k?.user
        if (!row) return null
        const { email, firstName, lastName, username, phone, imageUrl } = row
        const deletedAt = k && policy === 'soft' ? k.deletedAt : null
        return { deletedAt, email, firstName, lastName, username, phone, imageUrl }
      },
      auditRowCount: async (id) => audit.filter((e) => e.targetUserId === id).length,
    },
  }
}
