import {
  type BulkUpsertInput,
  type BulkUpsertResult,
  ClerkSyncError,
  type DeletePolicy,
  ErrorCode,
  type SyncedUser,
  type UserStore,
} from '@clerk-sync/core'
import {
  bulkAsBatches,
  bulkResultOf,
  decodeAuditCursor,
  decodeCursor,
  deleteUserFlow,
  pageOf,
  resolveDeletePolicy,
  resolvePageLimit,
  resolveUserIds,
  runFlowAsync,
  step,
  upsertUserBatchFlow,
  upsertUserFlow,
  upsertUsersFlow,
  upsertUsersOrEach,
  type WriteOps,
  withRetries,
} from '@clerk-sync/core/store-kit'
import { bookkeeping } from './bookkeeping.js'
import { type PgUpserts, pgUpsertBlocker, pgUpserts, type RuntimeModel } from './pg-writes.js'
import {
  adapterSchema,
  clientProvider,
  clientSchema,
  type PrismaClientLike,
  type Provider,
  type TransactionClient,
} from './prisma-like.js'
import { isRetryable, schemaGap, translateWriteError } from './store-errors.js'
import {
  parseModelFields,
  type ResolvedUserModel,
  resolveUserModel,
  type UserModelOption,
} from './user-model.js'

/** Users per statement in a Postgres bulk upsert: a backfill page (500) is one round trip. */
const PG_BULK_BATCH = 1000

export interface PrismaStoreOptions {
  /**
   * Write into the app's own model instead of `ClerkSyncUser`: the delegate name and the Prisma
   * field for each synced field (only `id` is required). Other fields are left alone; a
   * `user.deleted` deletes the record (so relations with `onDelete: Cascade` follow), unless
   * `onDelete` says otherwise.
   */
  user?: UserModelOption
  /**
   * What `user.deleted` does to the user's record. `delete` (default) deletes it; `soft` keeps it
   * and sets `user.fields.deletedAt` to the delete time; `anonymize` keeps it with the personal
   * fields (email, names, username, phone, image, mapped extras) set to null. The tombstone is
   * kept either way: no later upsert changes the record, and reads never return it. Checked at
   * start-up: `soft` needs a deletedAt field, `anonymize` optional personal fields.
   */
  onDelete?: DeletePolicy
  /** Detected from the client; set it if your client does not expose it. */
  provider?: Provider
  /**
   * Postgres: the schema of clerk-sync's tables when it is not on the connection's search_path,
   * e.g. the `schema` you gave `new PrismaPg(pool, { schema })`.
   */
  schema?: string
  /** Attempts per write when the database aborts it for a deadlock or write conflict. Default 5. */
  maxAttempts?: number
}

export interface PrismaUserStore extends UserStore<string> {
  readonly provider: Provider
  /** Always present here: the Prisma store can tell whether its tables exist. */
  checkSchema(): Promise<void>
  hasEvent(eventId: string): Promise<boolean>
}

const BATCH = 1000

const readyModel: UserModelOption = {
  model: 'clerkSyncUser',
  fields: {
    id: 'id',
    email: 'email',
    firstName: 'firstName',
    lastName: 'lastName',
    username: 'username',
    phone: 'phone',
    imageUrl: 'imageUrl',
    role: 'role',
    createdAt: 'createdAt',
    updatedAt: 'updatedAt',
  },
}

function runtimeModel(prisma: unknown, delegateName: string) {
  const models = (prisma as { _runtimeDataModel?: { models?: Record<string, RuntimeModel> } })
    ._runtimeDataModel?.models
  if (!models) return { name: undefined, model: undefined }
  const name = Object.keys(models).find(
    (m) => m.charAt(0).toLowerCase() + m.slice(1) === delegateName,
  )
  return { name, model: name ? models[name] : undefined }
}

/**
 * A `UserStore` over the app's PrismaClient (Prisma 7, with the pg, mariadb or better-sqlite3
 * driver adapter). Writes run in one interactive transaction with clerk-sync's bookkeeping, the
 * app's model touched through its delegate (so `@map`s and `relationMode = "prisma"` cascades keep
 * working); on Postgres a webhook upsert is instead one SQL statement (core's `pgWriteStatements`)
 * whenever that writes the same row the delegate would.
 *
 * @example
 * const store = prismaStore(prisma) // the ClerkSync* models from the shipped schema fragment
 * const store = prismaStore(prisma, { user: { model: 'user', fields: { id: 'id', email: 'email', role: 'role' } } })
 */
export function prismaStore(
  prismaClient: unknown,
  options: PrismaStoreOptions = {},
): PrismaUserStore {
  const prisma = prismaClient as PrismaClientLike
  if (typeof prisma?.$transaction !== 'function' || typeof prisma.$queryRawUnsafe !== 'function') {
    throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, 'prismaStore: expected a PrismaClient.')
  }
  const detected = options.provider ?? clientProvider(prisma)
  if (!detected) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'prismaStore: cannot tell the client’s provider; pass { provider: "postgresql" | "mysql" | "sqlite" }.',
    )
  }
  const provider: Provider = detected
  const onDelete = resolveDeletePolicy(options.onDelete, 'prismaStore')
  const option = options.user ?? readyModel
  const { name: modelName, model } = runtimeModel(prisma, option.model)
  const parsed = modelName ? parseModelFields(clientSchema(prisma), modelName) : undefined
  const users: ResolvedUserModel = resolveUserModel(
    option,
    model,
    parsed,
    options.user ? undefined : 'extra',
    onDelete,
  )
  // Records kept for deleted users: a soft one is told by its deletedAt field (a filter on every
  // read); an anonymized one only by the tombstone, so lists and counts then come from the state
  // table (as for a model without a role field) and reads by id drop tombstoned ids.
  const liveWhere: Record<string, unknown> =
    onDelete === 'soft' && users.deletedAt ? { [users.deletedAt]: null } : {}
  const listsFromState = !users.role || onDelete === 'anonymize'
  const required = new Set((parsed ?? []).filter((f) => f.required).map((f) => f.name))
  const tableLabel = modelName ?? option.model
  const bk = bookkeeping(provider, options.schema)
  // READ COMMITTED: after waiting on a user's state row, the delegate's plain reads must see what
  // the transaction it waited on committed (MySQL's REPEATABLE READ would show an older snapshot).
  // SQLite transactions are serializable by nature and take no level.
  const isolation = provider === 'sqlite' ? {} : { isolationLevel: 'ReadCommitted' }
  const maxAttempts = options.maxAttempts ?? 5

  /**
   * Runs a write again when the database aborted it for a deadlock or write conflict; what still
   * fails names the users (or the constraint) as translateWriteError says.
   */
  async function retried<T>(userIds: string[], once: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(maxAttempts, isRetryable, once)
    } catch (error) {
      throw translateWriteError(error, userIds, provider)
    }
  }

  function transact<T>(
    userIds: string[],
    run: (tx: TransactionClient) => Promise<T>,
    timeout = 20_000,
  ): Promise<T> {
    return retried(userIds, () =>
      prisma.$transaction(run, { maxWait: 20_000, timeout, ...isolation }),
    )
  }

  // Postgres: a webhook upsert as one statement (no interactive transaction: one round trip),
  // when a raw INSERT of the mapped fields writes what the delegate would.
  const written = new Set([users.id, ...users.fields.map((f) => f.name)])
  if (users.extra.kind === 'json') written.add(users.extra.name)
  else for (const e of users.extra.fields) written.add(e.name)
  const oneStatement: PgUpserts | null =
    provider === 'postgresql' && modelName && model && !pgUpsertBlocker(model, parsed, written)
      ? pgUpserts({
          users,
          modelName,
          model,
          schema: options.schema,
          // Where Prisma itself puts the model: its adapter's schema, else (the adapter hidden)
          // the one given for clerk-sync's tables, else Prisma's default.
          modelSchema: adapterSchema(prisma) ?? options.schema ?? 'public',
        })
      : null

  /** The app's records for these ids, with their role (null when no role field is mapped). */
  async function readUsers(
    tx: TransactionClient,
    ids: string[],
  ): Promise<Map<string, string | null>> {
    const select: Record<string, true> = { [users.id]: true }
    if (users.role) select[users.role] = true
    const records = await users
      .delegate(tx)
      .findMany({ where: { [users.id]: { in: ids } }, select })
    return new Map(
      records.map((r) => [String(r[users.id]), users.role ? String(r[users.role]) : null]),
    )
  }

  async function writeUsers(
    tx: TransactionClient,
    batch: SyncedUser<string>[],
    existing: ReadonlyMap<string, unknown>,
  ): Promise<void> {
    const delegate = users.delegate(tx)
    const data = batch.map((u) => users.toData(u, required, tableLabel))
    const creates = data.filter((d) => !existing.has(String(d[users.id])))
    if (creates.length) await delegate.createMany({ data: creates })
    for (const d of data) {
      if (!existing.has(String(d[users.id]))) continue
      const { [users.id]: id, ...rest } = d
      await delegate.update({ where: { [users.id]: id }, data: rest })
    }
  }

  async function readRoles(records: Record<string, unknown>[]): Promise<SyncedUser<string>[]> {
    if (users.role) return records.map((r) => users.fromRecord(r, r[users.role!]))
    const roles = await bk.rolesOf(
      prisma,
      records.map((r) => String(r[users.id])),
    )
    return records.map((r) => users.fromRecord(r, roles.get(String(r[users.id])) ?? null))
  }

  /** The records of live users: under 'anonymize', those whose tombstone is recorded go. */
  async function liveOnly(records: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    if (onDelete !== 'anonymize' || records.length === 0) return records
    const gone = await bk.tombstonedAmong(
      prisma,
      records.map((r) => String(r[users.id])),
    )
    return gone.size ? records.filter((r) => !gone.has(String(r[users.id]))) : records
  }

  /** Reads fail as Prisma says, except a missing table or column: those name the migration. */
  async function read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw schemaGap(error, provider) ?? error
    }
  }

  // The write queries core's flows run; each yields one promise for runFlowAsync to await.
  const ops: WriteOps<TransactionClient> = {
    claimEvent: (tx, event) => step(bk.claimEvent(tx, event)),
    ensureStates: (tx, ids) => step(bk.ensureStates(tx, ids)),
    lockStates: (tx, ids) => step(bk.lockStates(tx, ids)),
    saveStates: (tx, rows) => step(bk.saveStates(tx, rows)),
    readUsers: (tx, ids) => step(readUsers(tx, ids)),
    writeUsers: (tx, batch, existing) => step(writeUsers(tx, batch, existing)),
    // Through the delegate, so Prisma-emulated cascades (relationMode = "prisma") run too.
    *deleteUserRow(tx, userId, deletedAt) {
      if (onDelete === 'delete') {
        yield* step(users.delegate(tx).deleteMany({ where: { [users.id]: userId } }))
        return
      }
      // 'soft' / 'anonymize': the record stays (records referencing it too), marked.
      const data = users.retireData(deletedAt)
      if (Object.keys(data).length === 0) return
      yield* step(users.delegate(tx).updateMany({ where: { [users.id]: userId }, data }))
    },
    insertAudit: (tx, rows) => step(bk.insertAudit(tx, rows)),
    batchSize: BATCH,
  }

  /** The model's `data` for the user, or null when the model refuses it. */
  function dataOrNull(user: SyncedUser<string>): Record<string, unknown> | null {
    try {
      return users.toData(user, required, tableLabel)
    } catch (error) {
      if (error instanceof ClerkSyncError) return null
      throw error
    }
  }

  /**
   * Postgres: a backfill page as the group-commit statement without event ids, one round trip
   * per PG_BULK_BATCH users (several in one transaction). Null when the statement cannot write
   * every user (then the write flow).
   */
  function pgBulkUpsert(input: BulkUpsertInput<string>): Promise<BulkUpsertResult> | null {
    if (!oneStatement) return null
    const split = bulkAsBatches(input, PG_BULK_BATCH)
    const prepared = split.batches.map((batch) => {
      const data = batch.map((i) => dataOrNull(i.user))
      return data.every((d) => d !== null)
        ? oneStatement.prepareBatch(batch, data as Record<string, unknown>[])
        : null
    })
    if (prepared.length === 0 || prepared.some((p) => p === null)) return null
    const ready = prepared as NonNullable<(typeof prepared)[number]>[]
    const ids = input.users.map((u) => u.id)
    const sizes = split.batches.map((batch) => batch.length)
    if (ready.length === 1) {
      return retried(ids, () => oneStatement.runBatch(prisma, ready[0]!, sizes[0]!)).then(
        (answer) => bulkResultOf(split, [answer]),
      )
    }
    return transact(
      ids,
      async (tx) => {
        const answers = []
        for (let i = 0; i < ready.length; i++) {
          answers.push(await oneStatement.runBatch(tx, ready[i]!, sizes[i]!))
        }
        return bulkResultOf(split, answers)
      },
      300_000,
    )
  }

  const store: PrismaUserStore = {
    provider,
    // The role is always read back (from clerk-sync's own state when the model has no field).
    mappedFields: [...new Set([...users.fields.map((f) => f.field), 'role' as const])],
    async upsertUser(input) {
      const data = oneStatement ? dataOrNull(input.user) : null
      if (oneStatement && data) {
        const statement = oneStatement.prepare(input, data)
        return retried([input.user.id], () => oneStatement.run(prisma, statement))
      }
      // The flow also when the model refuses the user (a required field it leaves empty): it
      // answers stale before it fails, so Svix's retries of an older event end.
      return transact([input.user.id], (tx) => runFlowAsync(upsertUserFlow(ops, tx, input)))
    },
    // Group commit (withGroupCommit): on Postgres one statement for the batch when the single
    // upsert's statement is usable and every user goes into it; otherwise one transaction of the
    // batch flow. A failure fails the whole batch (withGroupCommit then writes each alone).
    async upsertUserBatch(inputs) {
      if (inputs.length === 0) return []
      const ids = inputs.map((i) => i.user.id)
      if (oneStatement) {
        const data = inputs.map((i) => dataOrNull(i.user))
        const statement = data.every((d) => d !== null)
          ? oneStatement.prepareBatch(inputs, data as Record<string, unknown>[])
          : null
        if (statement) {
          return retried(ids, () => oneStatement.runBatch(prisma, statement, inputs.length))
        }
      }
      return transact(ids, (tx) => runFlowAsync(upsertUserBatchFlow(ops, tx, inputs)))
    },
    deleteUser(input) {
      return transact([input.userId], (tx) => runFlowAsync(deleteUserFlow(ops, tx, input)))
    },
    // One user the app's model refuses must not hold back the rest: then one by one.
    upsertUsers: (input) =>
      upsertUsersOrEach(
        store,
        input,
        () =>
          pgBulkUpsert(input) ??
          transact(
            input.users.map((u) => u.id),
            (tx) => runFlowAsync(upsertUsersFlow(ops, tx, input)),
            300_000,
          ),
      ),
    getUser: (id) =>
      read(async () => {
        const record =
          onDelete === 'soft'
            ? ((
                await users.delegate(prisma).findMany({
                  where: { [users.id]: id, ...liveWhere },
                  select: users.select,
                  take: 1,
                })
              )[0] ?? null)
            : await users
                .delegate(prisma)
                .findUnique({ where: { [users.id]: id }, select: users.select })
        const [live] = record ? await liveOnly([record]) : []
        return live ? ((await readRoles([live]))[0] ?? null) : null
      }),
    getUsers: (ids) =>
      read(async () => {
        const unique = resolveUserIds(ids)
        if (unique.length === 0) return []
        const records = await users.delegate(prisma).findMany({
          where: { [users.id]: { in: unique }, ...liveWhere },
          select: users.select,
        })
        return readRoles(await liveOnly(records))
      }),
    listUsers: (opts = {}) =>
      read(async () => {
        const limit = resolvePageLimit(opts.limit)
        const after = decodeCursor(opts.cursor)
        let records: Record<string, unknown>[]
        if (!listsFromState && users.role) {
          const where: Record<string, unknown> = { ...liveWhere }
          if (opts.role !== undefined) where[users.role] = opts.role
          if (after !== null) where[users.id] = { gt: after }
          records = await users.delegate(prisma).findMany({
            where,
            orderBy: { [users.id]: 'asc' },
            take: limit + 1,
            select: users.select,
          })
        } else {
          // No role field: page over the synced ids (state table), then fetch those records. The
          // cursor follows the ids, so a record the app deleted itself cannot end the listing early.
          const ids = await bk.idsByRole(prisma, opts.role, after, limit + 1)
          const { items: pageIds, nextCursor } = pageOf(ids, limit, (id) => id)
          const found = await users.delegate(prisma).findMany({
            where: { [users.id]: { in: pageIds }, ...liveWhere },
            orderBy: { [users.id]: 'asc' },
            select: users.select,
          })
          return { users: await readRoles(found), nextCursor }
        }
        const { items, nextCursor } = pageOf(records, limit, (r) => String(r[users.id]))
        return { users: await readRoles(items), nextCursor }
      }),
    countUsersByRole: () =>
      read(async () => {
        if (listsFromState || !users.role) return bk.countRoles(prisma)
        const groups = await users
          .delegate(prisma)
          .groupBy({ by: [users.role], where: liveWhere, _count: { _all: true } })
        return Object.fromEntries(
          groups.map((g) => [String(g[users.role!]), Number((g._count as { _all: number })._all)]),
        )
      }),
    listAuditEntries: (opts = {}) =>
      read(async () => {
        const limit = resolvePageLimit(opts.limit)
        const after = decodeAuditCursor(opts.cursor)
        const rows = await bk.listAudit(prisma, { userId: opts.userId, limit: limit + 1, after })
        const { items, nextCursor } = pageOf(rows, limit, (e) => e.id)
        return { entries: items, nextCursor }
      }),
    pruneEvents: ({ olderThan }) => read(() => bk.pruneEvents(prisma, olderThan)),
    hasEvent: (eventId) => read(() => bk.hasEvent(prisma, eventId)),
    checkSchema: () =>
      read(async () => {
        await bk.checkTables(prisma)
        // The model's mapped fields, no rows: a missing table (or column) fails here too.
        const select = users.deletedAt
          ? { ...users.select, [users.deletedAt]: true as const }
          : users.select
        await users.delegate(prisma).findMany({ take: 0, select })
      }),
  }
  return store
}
