import {
  and,
  asc,
  count,
  eq,
  exists,
  gt,
  inArray,
  isNotNull,
  isNull,
  not,
  type SQL,
  sql,
} from 'drizzle-orm'
import type { ResolvedUsersTable } from '../users-table.js'
import type { ReadOps } from './ops.js'
import { auditEntryFromRow } from './shared.js'

type Row = Record<string, unknown>

// The app's table is only known at run time, and the three dialects' builders share this shape but
// not a type, so the queries here are built untyped.
// biome-ignore lint/suspicious/noExplicitAny: see above.
type Any = any

export interface ReadsOptions {
  db: Any
  users: ResolvedUsersTable
  /** The dialect's clerk_sync_user_state and clerk_sync_role_audit tables. */
  state: Any
  audit: Any
  events: Any
  /** Runs a built select: `.all()` on SQLite (sync or async), the query itself elsewhere. */
  run(query: Any): unknown[] | Promise<unknown[]>
  pruneEvents(olderThan: Date): Promise<number>
}

/** The store's reads, the same on every dialect. */
export function createReads({
  db,
  users,
  state,
  audit,
  events,
  run,
  pruneEvents,
}: ReadsOptions): ReadOps {
  const roleColumn = users.role ?? state.role
  // Without a role column in the app's table, the role comes from the state clerk-sync keeps.
  const withRole = (query: Any) =>
    users.role ? query : query.innerJoin(state, eq(state.userId, users.id))
  const selectUsers = () =>
    withRole(db.select({ ...users.selection, role: roleColumn }).from(users.table))
  /**
   * Rows kept for deleted users (onDelete 'soft' or 'anonymize') are not users any more: a soft
   * row is told by its deletedAt column; an anonymized one by the tombstone in the state table.
   * Under 'delete' there are none, and the reads stay as they were.
   */
  const live: SQL | undefined =
    users.onDelete === 'soft' && users.deletedAt
      ? isNull(users.deletedAt.column)
      : users.onDelete === 'anonymize'
        ? not(
            exists(
              db
                .select({ one: sql`1` })
                .from(state)
                .where(and(eq(state.userId, users.id), isNotNull(state.deletedAt))),
            ),
          )
        : undefined
  return {
    async getUser(id) {
      const [row] = (await run(
        selectUsers()
          .where(and(eq(users.id, id), live))
          .limit(1),
      )) as Row[]
      return row ? users.fromRow(row, row.role) : null
    },
    async getUsers(ids) {
      const rows = (await run(selectUsers().where(and(inArray(users.id, ids), live)))) as Row[]
      return rows.map((row) => users.fromRow(row, row.role))
    },
    async listUsers({ role, limit, after }) {
      const where = and(
        role === undefined ? undefined : eq(roleColumn, role),
        after === null ? undefined : gt(users.id, after),
        live,
      )
      const rows = (await run(
        selectUsers().where(where).orderBy(asc(users.id)).limit(limit),
      )) as Row[]
      return rows.map((row) => users.fromRow(row, row.role))
    },
    async countUsersByRole() {
      const query = withRole(db.select({ role: roleColumn, count: count() }).from(users.table))
        .where(live)
        .groupBy(roleColumn)
      const rows = (await run(query)) as Row[]
      return Object.fromEntries(
        rows.filter((r) => r.role !== null).map((r) => [String(r.role), Number(r.count)]),
      )
    },
    async listAuditEntries({ userId, limit, after }) {
      const where = and(
        userId === undefined ? undefined : eq(audit.targetUserId, userId),
        after === null ? undefined : gt(audit.id, after),
      )
      const rows = (await run(
        db.select().from(audit).where(where).orderBy(asc(audit.id)).limit(limit),
      )) as Parameters<typeof auditEntryFromRow>[0][]
      return rows.map(auditEntryFromRow)
    },
    pruneEvents,
    async hasEvent(id) {
      const rows = await run(
        db.select({ id: events.id }).from(events).where(eq(events.id, id)).limit(1),
      )
      return rows.length > 0
    },
    async checkSchema() {
      // Every column the store reads or writes, no rows: a missing table (or column) fails here.
      for (const table of [events, state, audit]) await run(db.select().from(table).limit(0))
      const selection = users.deletedAt
        ? { ...users.selection, deletedAt: users.deletedAt.column }
        : users.selection
      await run(db.select(selection).from(users.table).limit(0))
    },
  }
}
