// The store docs/architecture.md walks through: a complete UserStore over in-memory maps, written
// with the store kit. tests/docs-architecture/example-store.test.ts runs storeConformance on it.
import type {
  AuditEntry,
  AuditPage,
  BulkUpsertInput,
  BulkUpsertResult,
  DeleteUserInput,
  DeleteUserResult,
  ListAuditEntriesOptions,
  ListUsersOptions,
  SyncedUser,
  UpsertUserInput,
  UpsertUserResult,
  UserPage,
  UserStore,
} from '@clerk-sync/core'
import {
  decodeAuditCursor,
  decodeCursor,
  deleteUserFlow,
  type Flow,
  NEW_SYNC_STATE_VERSION,
  pageOf,
  type RoleChange,
  resolvePageLimit,
  resolveUserIds,
  runFlowSync,
  SYNCED_USER_FIELDS,
  step,
  type UserSyncState,
  upsertUserBatchFlow,
  upsertUserFlow,
  upsertUsersFlow,
  type WriteOps,
} from '@clerk-sync/core/store-kit'

/** What one write changes, kept apart until it commits (a rollback drops it). */
interface Tx {
  users: Map<string, SyncedUser | null>
  states: Map<string, UserSyncState>
  events: Map<string, Date>
  audit: RoleChange[]
}

/** The "database": what a real store would keep in tables. */
export interface ExampleDatabase {
  users: Map<string, SyncedUser>
  /** The per-user state (version, tombstone, last role): never deleted. */
  states: Map<string, UserSyncState>
  /** Handled event ids and when they arrived. */
  events: Map<string, Date>
  audit: AuditEntry[]
}

export function emptyDatabase(): ExampleDatabase {
  return { users: new Map(), states: new Map(), events: new Map(), audit: [] }
}

export interface ExampleStoreOptions {
  /** Test seam: runs inside each write before its flow; throwing rolls the write back. */
  beforeWrite?: (userIds: string[]) => Promise<void>
}

/** A UserStore over maps. One write at a time, as one SQLite connection would run them. */
export class ExampleStore implements UserStore {
  readonly mappedFields = SYNCED_USER_FIELDS
  readonly #db: ExampleDatabase
  readonly #beforeWrite: ExampleStoreOptions['beforeWrite']
  /** The last write in line: each write starts when the one before it has settled. */
  #tail: Promise<unknown> = Promise.resolve()

  constructor(db: ExampleDatabase, options: ExampleStoreOptions = {}) {
    this.#db = db
    this.#beforeWrite = options.beforeWrite
  }

  upsertUser(input: UpsertUserInput): Promise<UpsertUserResult> {
    return this.#write([input.user.id], (tx) => upsertUserFlow(this.#ops, tx, input))
  }

  deleteUser(input: DeleteUserInput): Promise<DeleteUserResult> {
    return this.#write([input.userId], (tx) => deleteUserFlow(this.#ops, tx, input))
  }

  upsertUsers(input: BulkUpsertInput): Promise<BulkUpsertResult> {
    return this.#write([], (tx) => upsertUsersFlow(this.#ops, tx, input))
  }

  /** Group commit: `withGroupCommit(store)` (or `createClerkSync`) batches webhook upserts here. */
  upsertUserBatch(inputs: UpsertUserInput[]): Promise<UpsertUserResult[]> {
    const userIds = inputs.map((input) => input.user.id)
    return this.#write(userIds, (tx) => upsertUserBatchFlow(this.#ops, tx, inputs))
  }

  async hasEvent(eventId: string): Promise<boolean> {
    return this.#db.events.has(eventId)
  }

  async getUser(id: string): Promise<SyncedUser | null> {
    const user = this.#db.users.get(id)
    return user ? structuredClone(user) : null
  }

  async getUsers(ids: string[]): Promise<SyncedUser[]> {
    return resolveUserIds(ids).flatMap((id) => structuredClone(this.#db.users.get(id)) ?? [])
  }

  async listUsers(options: ListUsersOptions = {}): Promise<UserPage> {
    const limit = resolvePageLimit(options.limit)
    const after = decodeCursor(options.cursor)
    const rows = [...this.#db.users.values()]
      .filter((u) => (after === null || u.id > after) && (!options.role || u.role === options.role))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit + 1)
    const { items, nextCursor } = pageOf(rows, limit, (u) => u.id)
    return { users: structuredClone(items), nextCursor }
  }

  async countUsersByRole(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const { role } of this.#db.users.values()) counts[role] = (counts[role] ?? 0) + 1
    return counts
  }

  async listAuditEntries(options: ListAuditEntriesOptions = {}): Promise<AuditPage> {
    const limit = resolvePageLimit(options.limit)
    const after = decodeAuditCursor(options.cursor)
    const rows = this.#db.audit
      .filter(
        (e) =>
          (after === null || Number(e.id) > after) &&
          (!options.userId || e.targetUserId === options.userId),
      )
      .slice(0, limit + 1)
    const { items, nextCursor } = pageOf(rows, limit, (e) => e.id)
    return { entries: structuredClone(items), nextCursor }
  }

  async pruneEvents({ olderThan }: { olderThan: Date }): Promise<number> {
    let removed = 0
    for (const [id, receivedAt] of this.#db.events) {
      if (receivedAt < olderThan && this.#db.events.delete(id)) removed++
    }
    return removed
  }

  // #region transaction
  /**
   * One transaction: waits for the write before it (so a duplicate delivery waits for the first
   * one to commit or roll back), runs the flow against staged changes, then commits them all at
   * once. A flow that throws commits nothing: its event id stays unrecorded, and a retry applies it.
   */
  #write<T>(userIds: string[], flow: (tx: Tx) => Flow<T>): Promise<T> {
    const run = this.#tail.then(async () => {
      const tx: Tx = { users: new Map(), states: new Map(), events: new Map(), audit: [] }
      await this.#beforeWrite?.(userIds)
      const result = runFlowSync(flow(tx))
      this.#commit(tx)
      return result
    })
    this.#tail = run.catch(() => {})
    return run
  }
  // #endregion transaction

  #commit(tx: Tx): void {
    for (const [id, user] of tx.users) {
      if (user) this.#db.users.set(id, user)
      else this.#db.users.delete(id)
    }
    for (const [id, state] of tx.states) this.#db.states.set(id, state)
    for (const [id, receivedAt] of tx.events) this.#db.events.set(id, receivedAt)
    for (const change of tx.audit) {
      this.#db.audit.push({ id: String(this.#db.audit.length + 1), ...change })
    }
  }

  // #region ops
  /** The queries core's write flows run, over the maps, reading the write's own changes first. */
  readonly #ops: WriteOps<Tx> = {
    claimEvent: (tx, event) => {
      const claimed = !this.#db.events.has(event.id) && !tx.events.has(event.id)
      if (claimed) tx.events.set(event.id, event.receivedAt)
      return step(claimed)
    },
    ensureStates: (tx, ids) => {
      for (const userId of ids) {
        if (this.#state(tx, userId)) continue
        tx.states.set(userId, {
          userId,
          version: NEW_SYNC_STATE_VERSION,
          deletedAt: null,
          role: null,
        })
      }
      return step(undefined)
    },
    // Writes run one at a time, so reading is locking.
    lockStates: (tx, ids) => step(ids.flatMap((id) => structuredClone(this.#state(tx, id)) ?? [])),
    saveStates: (tx, rows) => {
      for (const row of rows) tx.states.set(row.userId, structuredClone(row))
      return step(undefined)
    },
    readUsers: (tx, ids) => {
      const roles = new Map<string, string | null>()
      for (const id of ids) {
        const user = tx.users.has(id) ? tx.users.get(id) : this.#db.users.get(id)
        if (user) roles.set(id, user.role)
      }
      return step(roles)
    },
    writeUsers: (tx, users) => {
      for (const user of users) tx.users.set(user.id, structuredClone(user))
      return step(undefined)
    },
    deleteUserRow: (tx, userId) => step(void tx.users.set(userId, null)),
    insertAudit: (tx, rows) => step(void tx.audit.push(...rows)),
    batchSize: 1000,
  }
  // #endregion ops

  #state(tx: Tx, userId: string): UserSyncState | undefined {
    return tx.states.get(userId) ?? this.#db.states.get(userId)
  }
}
