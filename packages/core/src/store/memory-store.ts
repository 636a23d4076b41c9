import { decodeCursor, encodeCursor, resolvePageLimit } from './page.js'
import type { SyncedUser } from './synced-user.js'
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
  WriteOrigin,
} from './user-store.js'
import { roleChangeOf } from './write-decision.js'

/** The per-user state every store keeps and never deletes. */
export interface SyncState {
  /** Clerk's `updated_at` (ms) of the newest write applied. */
  version: number
  deletedAt: Date | null
}

export interface MemoryStoreSnapshot<R extends string = string> {
  users: Map<string, SyncedUser<R>>
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
}

/**
 * A `UserStore` in process memory: the reference implementation of the store contract, used by
 * tests, the demo and apps that only need users while they run. Everything is lost on exit.
 */
export class MemoryStore<R extends string = string> implements UserStore<R> {
  readonly #users = new Map<string, SyncedUser<R>>()
  readonly #syncState = new Map<string, SyncState>()
  readonly #events = new Map<string, { type: string; receivedAt: Date }>()
  readonly #audit: AuditEntry<R>[] = []
  /** Event ids being written; resolves to true once committed, false if rolled back. */
  readonly #inFlight = new Map<string, Promise<boolean>>()
  readonly #beforeCommit: MemoryStoreOptions['beforeCommit']
  #auditSeq = 0

  constructor(options: MemoryStoreOptions = {}) {
    this.#beforeCommit = options.beforeCommit
  }

  async upsertUser(input: UpsertUserInput<R>): Promise<UpsertUserResult<R>> {
    const { user, origin, event } = input
    return this.#transaction<UpsertUserResult<R>>(
      { kind: 'upsert', userId: user.id, event },
      () => {
        if (!this.#isFresh(user)) return { outcome: 'stale', previousRole: null, created: false }
        const previous = this.#users.get(user.id)
        const previousRole =
          input.roleBefore !== undefined ? input.roleBefore : (previous?.role ?? null)
        this.#write(user, origin, event?.id ?? null, previousRole)
        return { outcome: 'applied', previousRole, created: previous === undefined }
      },
      { outcome: 'duplicate', previousRole: null, created: false },
    )
  }

  async deleteUser(input: DeleteUserInput): Promise<DeleteUserResult> {
    const { userId, deletedAt, event } = input
    return this.#transaction<DeleteUserResult>(
      { kind: 'delete', userId, event },
      () => {
        const state = this.#syncState.get(userId)
        if (state?.deletedAt) return { outcome: 'stale' }
        this.#users.delete(userId)
        this.#syncState.set(userId, {
          version: Math.max(state?.version ?? 0, deletedAt.getTime()),
          deletedAt: new Date(deletedAt),
        })
        return { outcome: 'applied' }
      },
      { outcome: 'duplicate' },
    )
  }

  async upsertUsers(input: BulkUpsertInput<R>): Promise<BulkUpsertResult> {
    const result: BulkUpsertResult = { applied: [], stale: [], failed: [] }
    // Copy first (a copy can throw), then one synchronous pass: nothing runs in between.
    const users = structuredClone(input.users)
    for (const user of users) {
      if (this.#isFresh(user)) {
        this.#write(user, input.origin, null, this.#users.get(user.id)?.role ?? null)
        result.applied.push(user.id)
      } else {
        result.stale.push(user.id)
      }
    }
    return result
  }

  async getUser(id: string): Promise<SyncedUser<R> | null> {
    const user = this.#users.get(id)
    return user ? structuredClone(user) : null
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
    return structuredClone({
      users: this.#users,
      syncState: this.#syncState,
      events: this.#events,
      audit: this.#audit,
    })
  }

  /**
   * Claims the event id (waiting for an in-flight delivery of the same id), runs `beforeCommit`,
   * then decides and commits in one synchronous step, so no other write can interleave.
   */
  async #transaction<T>(
    write: { kind: PendingWrite['kind']; userId: string; event: EventRef | undefined },
    apply: () => T,
    duplicate: T,
  ): Promise<T> {
    const { event } = write
    if (!event) {
      await this.#beforeCommit?.({ kind: write.kind, userId: write.userId, eventId: null })
      return apply()
    }
    for (;;) {
      const pending = this.#inFlight.get(event.id)
      if (!pending) break
      await pending
    }
    if (this.#events.has(event.id)) return duplicate
    let settle!: (committed: boolean) => void
    this.#inFlight.set(event.id, new Promise<boolean>((resolve) => (settle = resolve)))
    try {
      await this.#beforeCommit?.({ kind: write.kind, userId: write.userId, eventId: event.id })
      const result = apply()
      this.#events.set(event.id, { type: event.type, receivedAt: new Date(event.receivedAt) })
      settle(true)
      return result
    } catch (error) {
      settle(false)
      throw error
    } finally {
      this.#inFlight.delete(event.id)
    }
  }

  #isFresh(user: SyncedUser<R>): boolean {
    const state = this.#syncState.get(user.id)
    if (!state) return true
    return state.deletedAt === null && user.updatedAt.getTime() >= state.version
  }

  /** `previousRole`: the role being replaced (null for a new user); a change appends an audit entry. */
  #write(
    user: SyncedUser<R>,
    origin: WriteOrigin,
    eventId: string | null,
    previousRole: R | null,
  ): void {
    this.#users.set(user.id, structuredClone(user))
    this.#syncState.set(user.id, { version: user.updatedAt.getTime(), deletedAt: null })
    const change = roleChangeOf(previousRole, user, origin, eventId)
    if (change) {
      this.#auditSeq++
      const id = `aud_${String(this.#auditSeq).padStart(12, '0')}`
      this.#audit.push({ id, ...change } as AuditEntry<R>)
    }
  }
}
