import {
  type BulkUpsertInput,
  type BulkUpsertResult,
  ClerkSyncError,
  consoleLogger,
  type DeletePolicy,
  type DeleteUserInput,
  ErrorCode,
  type Logger,
  type UpsertUserInput,
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
  upsertUserBatchFlow,
  upsertUserFlow,
  upsertUsersFlow,
  upsertUsersOrEach,
} from '@clerk-sync/core/store-kit'
import { is, type Table } from 'drizzle-orm'
import { MySqlTable } from 'drizzle-orm/mysql-core'
import { PgTable } from 'drizzle-orm/pg-core'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { type AnyDatabase, detectDialect } from './dialect.js'
import { mysqlOps, mysqlReads } from './dialects/mysql.js'
import type { DialectOps, ReadOps } from './dialects/ops.js'
import { pgOps, pgReads } from './dialects/pg.js'
import { type PgWrites, pgWrites } from './dialects/pg-writes.js'
import { sqliteOps, sqliteReads } from './dialects/sqlite.js'
import type { Dialect } from './migrations/migration.js'
import * as mysqlSchema from './schema/mysql.js'
import * as pgSchema from './schema/pg.js'
import * as sqliteSchema from './schema/sqlite.js'
import { schemaGap, translateWriteError } from './store-errors.js'
import { createPgRunner, createTransactor, type Transactor } from './transactor.js'
import { resolveUsersTable, type UsersTableOption } from './users-table.js'

export interface DrizzleStoreOptions {
  /**
   * Write into the app's existing users table instead of `clerk_sync_users`: the table and where
   * each synced field goes (only `id` is required). Columns not mapped are left alone; a
   * `user.deleted` deletes the row (so the database's `ON DELETE CASCADE` runs), unless
   * `onDelete` says otherwise.
   */
  users?: UsersTableOption
  /**
   * What `user.deleted` does to the user's row. `delete` (default) deletes it; `soft` keeps it and
   * sets `users.columns.deletedAt` to the delete time; `anonymize` keeps it with the personal
   * columns (email, names, username, phone, image, mapped extras) set to null. The tombstone is
   * kept either way: no later upsert changes the row, and reads never return it. Checked at
   * start-up: `soft` needs a deletedAt column, `anonymize` nullable personal columns.
   */
  onDelete?: DeletePolicy
  /** Attempts per write when the database aborts it for a deadlock or serialization failure. Default 5. */
  maxAttempts?: number
  /**
   * Where the store's start-up warnings go (e.g. a node-postgres Pool without an 'error'
   * listener). Default: the console, as clerk-sync's `consoleLogger()`.
   */
  logger?: Logger
}

export interface DrizzleUserStore extends UserStore<string> {
  readonly dialect: Dialect
  /** Always present here: the Drizzle store can tell whether its tables exist. */
  checkSchema(): Promise<void>
  hasEvent(eventId: string): Promise<boolean>
}

/** Users per statement in a Postgres bulk upsert: a backfill page (500) is one round trip. */
const PG_BULK_BATCH = 1000

const schemas = { pg: pgSchema, mysql: mysqlSchema, sqlite: sqliteSchema }
const tableClass = { pg: PgTable, mysql: MySqlTable, sqlite: SQLiteTable }

function readyUsersTable(dialect: Dialect): UsersTableOption & { extra: unknown } {
  const t = schemas[dialect].clerkSyncUsers
  return {
    table: t as Table,
    columns: {
      id: t.id,
      email: t.email,
      firstName: t.firstName,
      lastName: t.lastName,
      username: t.username,
      phone: t.phone,
      imageUrl: t.imageUrl,
      role: t.role,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    },
    extra: t.extra,
  }
}

/** Pools (and clients) already warned about, so several stores over one pool say it once. */
const warnedClients = new WeakSet<object>()

/**
 * node-postgres emits 'error' on a Pool when an idle connection drops (a database restart, a
 * network cut); an EventEmitter with no listener for it throws, and the process exits. The store
 * cannot add a listener for the app (it would hide the app's own choice), so it says so once.
 */
function warnOnUnhandledPgErrors(db: AnyDatabase, logger: Logger): void {
  const emitter = (db as { $client?: unknown }).$client as
    | (EventEmitterLike & Record<string, unknown>)
    | undefined
  if (typeof emitter?.listenerCount !== 'function') return
  const isPool = typeof emitter.totalCount === 'number' && typeof emitter.idleCount === 'number'
  const isClient = typeof emitter.connectionParameters === 'object' && !isPool
  if (!isPool && !isClient) return
  if (emitter.listenerCount('error') > 0 || warnedClients.has(emitter)) return
  warnedClients.add(emitter)
  const name = isPool ? 'pool' : 'client'
  logger.warn(
    `drizzleStore: the node-postgres ${isPool ? 'Pool' : 'Client'} has no 'error' listener. When a connection drops (a database restart, a network cut), node-postgres emits 'error' on it and, with no listener, the process exits. Add one where you create it: ${name}.on('error', (error) => console.error('postgres connection error', error))${isPool ? '; the pool replaces the broken connection by itself' : ''}.`,
  )
}

interface EventEmitterLike {
  listenerCount(event: string): number
}

interface PgPoolLike {
  on(event: 'acquire', listener: (client: PgClientLike) => void): unknown
}
interface PgClientLike {
  on(event: 'error', listener: (error: Error) => void): unknown
}

const guardedPools = new WeakSet<object>()
const guardedClients = new WeakSet<object>()

/**
 * A node-postgres client checked out of a Pool (Drizzle's db.transaction takes one with
 * pool.connect()) loses the pool's error listener until it is released, so a connection that drops
 * mid-transaction emits 'error' with no listener and the process exits. The store's own
 * transactions take these clients, so it gives each one a listener: the transaction's queries fail
 * anyway (the delivery answers 500 and Svix retries), and the pool still hears of idle failures.
 */
function guardCheckedOutPgClients(db: AnyDatabase, logger: Logger): void {
  const pool = (db as { $client?: unknown }).$client as
    | (PgPoolLike & Record<string, unknown>)
    | undefined
  if (typeof pool?.on !== 'function') return
  if (typeof pool.totalCount !== 'number' || typeof pool.idleCount !== 'number') return
  if (guardedPools.has(pool)) return
  guardedPools.add(pool)
  pool.on('acquire', (client) => {
    if (guardedClients.has(client)) return
    guardedClients.add(client)
    client.on('error', (error) =>
      logger.warn(
        `drizzleStore: a postgres connection failed while in use (${error.message}); the write it carried fails and is retried`,
      ),
    )
  })
}

/** What the Postgres writes run on: the database, or a transaction of it. */
type PgWriteTarget = Parameters<PgWrites['upsertUser']>[0]

/**
 * Core's write flows over one dialect's ops, each run in a transaction of that dialect: the
 * transaction keeps its own type from the transactor to the ops.
 */
function flowWriter<Tx>(ops: DialectOps<Tx>, transact: Transactor<Tx>) {
  return {
    upsertUser: (input: UpsertUserInput<string>) =>
      transact((tx) => upsertUserFlow(ops, tx, input)),
    deleteUser: (input: DeleteUserInput) => transact((tx) => deleteUserFlow(ops, tx, input)),
    upsertUserBatch: (inputs: UpsertUserInput<string>[]) =>
      transact((tx) => upsertUserBatchFlow(ops, tx, inputs)),
    upsertUsers: (input: BulkUpsertInput<string>) =>
      transact((tx) => upsertUsersFlow(ops, tx, input)),
  }
}

/**
 * A `UserStore` over the app's Drizzle database: Postgres (pg, postgres-js, PGlite),
 * MySQL/MariaDB (mysql2) or SQLite (better-sqlite3, libSQL).
 *
 * @example
 * const store = drizzleStore(db) // clerk_sync_* tables; create them with applyMigrations(db)
 * const store = drizzleStore(db, { users: { table: users, columns: { id: users.id, email: users.email } } })
 */
export function drizzleStore(db: AnyDatabase, options: DrizzleStoreOptions = {}): DrizzleUserStore {
  const dialect = detectDialect(db)
  if (options.users && !is(options.users.table, tableClass[dialect] as never)) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `drizzleStore: users.table is not a ${dialect} table, but db is a ${dialect} database.`,
    )
  }
  const onDelete = resolveDeletePolicy(options.onDelete, 'drizzleStore')
  const ready = readyUsersTable(dialect)
  const users = options.users
    ? resolveUsersTable(options.users, undefined, onDelete)
    : resolveUsersTable(ready, ready.extra as never, onDelete)
  // biome-ignore lint/suspicious/noExplicitAny: each branch gets its own dialect's database.
  const anyDb = db as any
  const reads: ReadOps =
    dialect === 'pg'
      ? pgReads(anyDb, users)
      : dialect === 'mysql'
        ? mysqlReads(anyDb, users)
        : sqliteReads(anyDb, users)
  const maxAttempts = options.maxAttempts ?? 5
  const flows =
    dialect === 'pg'
      ? flowWriter(pgOps(users), createTransactor(db, dialect, maxAttempts))
      : dialect === 'mysql'
        ? flowWriter(mysqlOps(users), createTransactor(db, dialect, maxAttempts))
        : flowWriter(sqliteOps(users), createTransactor(db, dialect, maxAttempts))
  // Postgres: each webhook write is one statement (a delete two, in one transaction), not a flow.
  const pg =
    dialect === 'pg'
      ? { writes: pgWrites(users), run: createPgRunner<PgWriteTarget>(db, maxAttempts) }
      : null
  if (dialect === 'pg') {
    const logger = options.logger ?? consoleLogger()
    warnOnUnhandledPgErrors(db, logger)
    guardCheckedOutPgClients(db, logger)
  }

  /** Reads fail as the driver says, except a missing table, which names the migration to run. */
  async function read<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw schemaGap(error) ?? error
    }
  }

  async function write<T>(userIds: string[], run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw translateWriteError(error, userIds)
    }
  }

  /**
   * Postgres: a backfill page as the group-commit statement without event ids, one round trip
   * per PG_BULK_BATCH users (several batches in one transaction). Null when a user cannot be
   * written that way (then the write flow, which also reports what the table refuses).
   */
  function pgBulkUpsert(
    run: NonNullable<typeof pg>,
    input: BulkUpsertInput<string>,
  ): Promise<BulkUpsertResult> | null {
    const split = bulkAsBatches(input, PG_BULK_BATCH)
    const queries = split.batches.map((batch) => run.writes.prepareBatch(batch))
    if (queries.some((query) => query === null)) return null
    const ready = queries as NonNullable<(typeof queries)[number]>[]
    const sizes = split.batches.map((batch) => batch.length)
    const results =
      ready.length === 1
        ? run.run.statement(async (runner) => [
            await run.writes.upsertBatch(runner, ready[0]!, sizes[0]!),
          ])
        : run.run.transaction(async (tx) => {
            const out = []
            for (let i = 0; i < ready.length; i++) {
              out.push(await run.writes.upsertBatchInTransaction(tx, ready[i]!, sizes[i]!))
            }
            return out
          })
    return results.then((answers) => bulkResultOf(split, answers))
  }

  const store: DrizzleUserStore = {
    dialect,
    // The role is always read back (from clerk-sync's own state when the table has no column).
    mappedFields: [...new Set([...users.fields.map((f) => f.field), 'role' as const])],
    async upsertUser(input) {
      const statement = pg?.writes.prepareUpsert(input)
      if (pg && statement) {
        return write([input.user.id], () =>
          pg.run.statement((runner) => pg.writes.upsertUser(runner, statement)),
        )
      }
      return write([input.user.id], () => flows.upsertUser(input))
    },
    async deleteUser(input) {
      if (pg) {
        return write([input.userId], () =>
          pg.run.transaction((tx) => pg.writes.deleteUser(tx, input)),
        )
      }
      return write([input.userId], () => flows.deleteUser(input))
    },
    async upsertUserBatch(inputs) {
      const ids = inputs.map((i) => i.user.id)
      if (pg) {
        const statement = pg.writes.prepareBatch(inputs)
        if (!statement) throw new Error('clerk-sync: this batch is written one by one')
        return write(ids, () =>
          pg.run.statement((runner) => pg.writes.upsertBatch(runner, statement, inputs.length)),
        )
      }
      return write(ids, () => flows.upsertUserBatch(inputs))
    },
    // One user the app's table refuses must not hold back the rest: then one by one.
    upsertUsers: (input) =>
      upsertUsersOrEach(store, input, () =>
        write(
          input.users.map((u) => u.id),
          () => (pg && pgBulkUpsert(pg, input)) || flows.upsertUsers(input),
        ),
      ),
    getUser: (id) => read(() => reads.getUser(id)),
    async getUsers(ids) {
      const unique = resolveUserIds(ids)
      return unique.length ? read(() => reads.getUsers(unique)) : []
    },
    async listUsers(options = {}) {
      const limit = resolvePageLimit(options.limit)
      const rows = await read(() =>
        reads.listUsers({
          role: options.role,
          limit: limit + 1,
          after: decodeCursor(options.cursor),
        }),
      )
      const { items, nextCursor } = pageOf(rows, limit, (u) => u.id)
      return { users: items, nextCursor }
    },
    countUsersByRole: () => read(() => reads.countUsersByRole()),
    async listAuditEntries(options = {}) {
      const limit = resolvePageLimit(options.limit)
      const after = decodeAuditCursor(options.cursor)
      const rows = await read(() =>
        reads.listAuditEntries({ userId: options.userId, limit: limit + 1, after }),
      )
      const { items, nextCursor } = pageOf(rows, limit, (e) => e.id)
      return { entries: items, nextCursor }
    },
    pruneEvents: ({ olderThan }) => read(() => reads.pruneEvents(olderThan)),
    hasEvent: (id) => read(() => reads.hasEvent(id)),
    checkSchema: () => read(() => reads.checkSchema()),
  }
  return store
}
