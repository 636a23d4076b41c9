import { type DeletePolicy, PERSONAL_FIELDS, resolveDeletePolicy } from './delete-policy.js'
import { runFlowSync, step } from './flow.js'
import { decodeCursor, encodeCursor, resolvePageLimit } from './page.js'
import { SYNCED_USER_FIELDS, type SyncedUser } from './synced-user.js'
import { resolveUserIds } from './user-ids.js'
import type {
  AuditEntry,
  AuditPage,
  BulkUpsertInput,
  BulkUpsertResult,
  DeleteUserInput,
  DeleteUserResult,
  EventRef,
  ListAuditEntriesOptions,
  ListUsersOptions,
  UpsertUserInput,
  UpsertUserResult,
  UserPage,
  UserStore,
} from './user-store.js'
import { NEW_SYNC_STATE_VERSION, type RoleChange, type UserSyncState } from './write-decision.js'
import { deleteUserFlow, upsertUserFlow, upsertUsersFlow, type WriteOps } from './write-flows.js'

/** The per-user state every store keeps and never deletes. */
export interface SyncState {
  /** Clerk's `updated_at` (ms) of the newest write applied. */
  version: number
  deletedAt: Date | null
}

/** A deleted user's row kept under `onDelete: 'soft' | 'anonymize'`, as a table would keep it. */
export interface RetiredUserRow<R extends string = string> {
  /** The row as kept: anonymized (personal fields and extras null) under `anonymize`. */
  user: SyncedUser<R>
  /** When Clerk deleted the user: what a mapped `deletedAt` column holds. */
  deletedAt: Date
}

export interface MemoryStoreSnapshot<R extends string = string> {
  /** Live users: what the store's reads return. */
  users: Map<string, SyncedUser<R>>
  /** Rows kept for deleted users (`soft`, `anonymize`); never read back through the store. */
  retiredUsers: Map<string, RetiredUserRow<R>>
  syncState: Map<string, SyncState>
  events: Map<string, { type: string; receivedAt: Date }>
  audit: AuditEntry<R>[]
}

/** What a write is about to commit; handed to `beforeCommit`. */
export interface PendingWrite {
  kind: 'upsert' | 'delete'
  userId: string
  eventId: string | null
}

export interface MemoryStoreOptions {
  /**
   * Runs inside each single-user write after its event id is claimed and before anything commits;
   * throwing rolls the write back, as a failing database would. A test seam for the "first
   * delivery fails while its duplicate waits" case; apps leave it unset.
   */
  beforeCommit?: (write: PendingWrite) => void | Promise<void>
  /**
   * What `user.deleted` does to the user's row (see DeletePolicy). Default `delete`. `soft` and
   * `anonymize` keep it (see `snapshot().retiredUsers`); reads never return it.
   */
  onDelete?: DeletePolicy
}

/**
 * One write's changes, kept apart until it commits: the write flows read through it, and a write
 * that throws part-way leaves nothing behind (a database transaction's rollback).
 */
interface MemoryTx<R extends string> {
  /** null: the user's row is deleted by this write. */
  users: Map<string, SyncedUser<R> | null>
  retired: Map<string, RetiredUserRow<R>>
  states: Map<string, UserSyncState>
  events: Map<string, { type: string; receivedAt: Date }>
  audit: RoleChange[]
}

/**
 * A `UserStore` in process memory: the reference implementation of the store contract, used by
 * tests, the demo and apps that only need users while they run. Everything is lost on exit. It runs
 * core's write flows, the same decisions the SQL stores make, over maps.
 */
export class MemoryStore<R extends string = string> implements UserStore<R> {
  /** Every field: the store keeps users whole. */
  readonly mappedFields = SYNCED_USER_FIELDS
  readonly #users = new Map<string, SyncedUser<R>>()
  readonly #retired = new Map<string, RetiredUserRow<R>>()
  readonly #onDelete: DeletePolicy
  readonly #syncState = new Map<string, UserSyncState>()
  readonly #events = new Map<string, { type: string; receivedAt: Date }>()
  readonly #audit: AuditEntry<R>[] = []
  /** Event ids being written; resolves to true once committed, false if rolled back. */
  readonly #inFlight = new Map<string, Promise<boolean>>()
  readonly #beforeCommit: MemoryStoreOptions['beforeCommit']
  readonly #ops: WriteOps<MemoryTx<R>>
  #auditSeq = 0

  constructor(options: MemoryStoreOptions = {}) {
    this.#beforeCommit = options.beforeCommit
    this.#onDelete = resolveDeletePolicy(options.onDelete, 'MemoryStore')
    this.#ops = this.#writeOps()
  }

  async upsertUser(input: UpsertUserInput<R>): Promise<UpsertUserResult<R>> {
    return this.#transaction({ kind: 'upsert', userId: input.user.id, event: input.event }, (tx) =>
      runFlowSync(upsertUserFlow(this.#ops, tx, input)),
    ) as Promise<UpsertUserResult<R>>
  }

  async deleteUser(input: DeleteUserInput): Promise<DeleteUserResult> {
    return this.#transaction({ kind: 'delete', userId: input.userId, event: input.event }, (tx) =>
      runFlowSync(deleteUserFlow(this.#ops, tx, input)),
    )
  }

  /** Group commit: the inputs in order, in one transaction that commits whole or not at all. */
  async upsertUserBatch(inputs: UpsertUserInput<R>[]): Promise<UpsertUserResult<R>[]> {
    const eventIds = inputs.flatMap((input) => (input.event ? [input.event.id] : []))
    // Until none of its event ids is being written: a wait can let another writer start one.
    for (;;) {
      const pending = eventIds.map((id) => this.#inFlight.get(id)).find(Boolean)
      if (!pending) break
      await pending
    }
    let settle!: (committed: boolean) => void
    const settled = new Promise<boolean>((resolve) => (settle = resolve))
    const claimed = eventIds.filter((id) => !this.#events.has(id))
    for (const id of claimed) this.#inFlight.set(id, settled)
    try {
      for (const input of inputs) {
        await this.#beforeCommit?.({
          kind: 'upsert',
          userId: input.user.id,
          eventId: input.event?.id ?? null,
        })
      }
      const tx = this.#begin()
      const results = inputs.map((input) => runFlowSync(upsertUserFlow(this.#ops, tx, input)))
      this.#commit(tx)
      settle(true)
      return results as UpsertUserResult<R>[]
    } catch (error) {
      settle(false)
      throw error
    } finally {
      for (const id of claimed) this.#inFlight.delete(id)
    }
  }

  async upsertUsers(input: BulkUpsertInput<R>): Promise<BulkUpsertResult> {
    // One synchronous pass, committed at the end: nothing runs in between.
    const tx = this.#begin()
    const result = runFlowSync(upsertUsersFlow(this.#ops, tx, input))
    this.#commit(tx)
    return result
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.#events.has(eventId)
  }

  async getUser(id: string): Promise<SyncedUser<R> | null> {
    const user = this.#users.get(id)
    return user ? structuredClone(user) : null
  }

  async getUsers(ids: string[]): Promise<SyncedUser<R>[]> {
    const users: SyncedUser<R>[] = []
    for (const id of resolveUserIds(ids)) {
      const user = this.#users.get(id)
      if (user) users.push(structuredClone(user))
    }
    return users
  }

  async listUsers(options: ListUsersOptions<R> = {}): Promise<UserPage<R>> {
    const limit = resolvePageLimit(options.limit)
    const after = decodeCursor(options.cursor)
    const ids = [...this.#users.keys()].sort()
    const users: SyncedUser<R>[] = []
    let nextCursor: string | null = null
    for (const id of ids) {
      if (after !== null && id <= after) continue
      const user = this.#users.get(id)!
      if (options.role !== undefined && user.role !== options.role) continue
      if (users.length === limit) {
        nextCursor = encodeCursor(users[users.length - 1]!.id)
        break
      }
      users.push(structuredClone(user))
    }
    return { users, nextCursor }
  }

  async countUsersByRole(): Promise<Partial<Record<R, number>>> {
    const counts: Partial<Record<R, number>> = {}
    for (const user of this.#users.values()) counts[user.role] = (counts[user.role] ?? 0) + 1
    return counts
  }

  async listAuditEntries(options: ListAuditEntriesOptions = {}): Promise<AuditPage<R>> {
    const limit = resolvePageLimit(options.limit)
    const after = decodeCursor(options.cursor)
    const matching = this.#audit.filter(
      (entry) =>
        (options.userId === undefined || entry.targetUserId === options.userId) &&
        (after === null || entry.id > after),
    )
    const entries = matching.slice(0, limit).map((entry) => structuredClone(entry))
    const nextCursor =
      matching.length > limit ? encodeCursor(entries[entries.length - 1]!.id) : null
    return { entries, nextCursor }
  }

  async pruneEvents(options: { olderThan: Date }): Promise<number> {
    let removed = 0
    for (const [id, event] of this.#events) {
      if (event.receivedAt < options.olderThan) {
        this.#events.delete(id)
        removed++
      }
    }
    return removed
  }

  /** A copy of everything the store holds, for tests that check the store from underneath. */
  snapshot(): MemoryStoreSnapshot<R> {
    const syncState = new Map<string, SyncState>()
    for (const [id, state] of this.#syncState) {
      // A state made for a write that never applied (none survives a commit) is not a sighting.
      if (state.version === NEW_SYNC_STATE_VERSION && state.deletedAt === null) continue
      syncState.set(id, { version: state.version, deletedAt: state.deletedAt })
    }
    return structuredClone({
      users: this.#users,
      retiredUsers: this.#retired,
      syncState,
      events: this.#events,
      audit: this.#audit,
    })
  }

  /**
   * Claims the event id (waiting for an in-flight delivery of the same id, as a database waits on
   * the row lock), runs `beforeCommit`, then runs the flow and commits in one synchronous step, so
   * no other write can interleave.
   */
  async #transaction<T>(
    write: { kind: PendingWrite['kind']; userId: string; event: EventRef | undefined },
    run: (tx: MemoryTx<R>) => T,
  ): Promise<T> {
    const { event } = write
    const commitWith = (): T => {
      const tx = this.#begin()
      const result = run(tx)
      this.#commit(tx)
      return result
    }
    if (!event) {
      await this.#beforeCommit?.({ kind: write.kind, userId: write.userId, eventId: null })
      return commitWith()
    }
    for (;;) {
      const pending = this.#inFlight.get(event.id)
      if (!pending) break
      await pending
    }
    if (this.#events.has(event.id)) return run(this.#begin())
    let settle!: (committed: boolean) => void
    this.#inFlight.set(event.id, new Promise<boolean>((resolve) => (settle = resolve)))
    try {
      await this.#beforeCommit?.({ kind: write.kind, userId: write.userId, eventId: event.id })
      const result = commitWith()
      settle(true)
      return result
    } catch (error) {
      settle(false)
      throw error
    } finally {
      this.#inFlight.delete(event.id)
    }
  }

  #begin(): MemoryTx<R> {
    return { users: new Map(), retired: new Map(), states: new Map(), events: new Map(), audit: [] }
  }

  #commit(tx: MemoryTx<R>): void {
    for (const [id, user] of tx.users) {
      if (user) this.#users.set(id, user)
      else this.#users.delete(id)
    }
    for (const [id, row] of tx.retired) this.#retired.set(id, row)
    for (const [id, state] of tx.states) this.#syncState.set(id, state)
    for (const [id, event] of tx.events) this.#events.set(id, event)
    for (const change of tx.audit) {
      this.#auditSeq++
      const id = `aud_${String(this.#auditSeq).padStart(12, '0')}`
      this.#audit.push({ id, ...change } as AuditEntry<R>)
    }
  }

  /** The flows' queries over the maps, reading a write's own changes first. */
  #writeOps(): WriteOps<MemoryTx<R>> {
    const stateOf = (tx: MemoryTx<R>, id: string) => tx.states.get(id) ?? this.#syncState.get(id)
    const userOf = (tx: MemoryTx<R>, id: string) =>
      tx.users.has(id) ? tx.users.get(id) : this.#users.get(id)
    const claim = (tx: MemoryTx<R>, event: EventRef): boolean => {
      if (this.#events.has(event.id) || tx.events.has(event.id)) return false
      tx.events.set(event.id, { type: event.type, receivedAt: new Date(event.receivedAt) })
      return true
    }
    const ensure = (tx: MemoryTx<R>, ids: string[]): void => {
      for (const userId of ids) {
        if (stateOf(tx, userId)) continue
        tx.states.set(userId, {
          userId,
          version: NEW_SYNC_STATE_VERSION,
          deletedAt: null,
          role: null,
        })
      }
    }
    const lock = (tx: MemoryTx<R>, ids: string[]): UserSyncState[] =>
      ids.flatMap((id) => {
        const state = stateOf(tx, id)
        return state ? [structuredClone(state)] : []
      })
    const save = (tx: MemoryTx<R>, rows: UserSyncState[]): void => {
      for (const row of rows) tx.states.set(row.userId, structuredClone(row))
    }
    const read = (tx: MemoryTx<R>, ids: string[]): Map<string, string | null> => {
      const found = new Map<string, string | null>()
      for (const id of ids) {
        const user = userOf(tx, id)
        if (user) found.set(id, user.role)
      }
      return found
    }
    const write = (tx: MemoryTx<R>, users: SyncedUser<string>[]): void => {
      // A copy: the caller's object (and its Dates) must not change what is stored.
      for (const user of users) tx.users.set(user.id, structuredClone(user) as SyncedUser<R>)
    }
    /** Takes the row out of the live users; `soft` and `anonymize` keep it aside, as a table would. */
    const retire = (tx: MemoryTx<R>, userId: string, deletedAt: Date): void => {
      const user = userOf(tx, userId)
      tx.users.set(userId, null)
      if (!user || this.#onDelete === 'delete') return
      const kept = structuredClone(user)
      if (this.#onDelete === 'anonymize') {
        for (const field of PERSONAL_FIELDS) kept[field] = null
        if (kept.extra) for (const key of Object.keys(kept.extra)) kept.extra[key] = null
      }
      tx.retired.set(userId, { user: kept, deletedAt: new Date(deletedAt) })
    }
    return {
      claimEvent: (tx, event) => step(claim(tx, event)),
      ensureStates: (tx, ids) => step(ensure(tx, ids)),
      lockStates: (tx, ids) => step(lock(tx, ids)),
      saveStates: (tx, rows) => step(save(tx, rows)),
      readUsers: (tx, ids) => step(read(tx, ids)),
      writeUsers: (tx, users) => step(write(tx, users)),
      deleteUserRow: (tx, userId, deletedAt) => step(retire(tx, userId, deletedAt)),
      insertAudit: (tx, rows) => step(void tx.audit.push(...rows)),
      batchSize: Number.MAX_SAFE_INTEGER,
    }
  }
}
