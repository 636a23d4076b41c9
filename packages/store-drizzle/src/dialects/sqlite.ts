import { step } from '@clerk-sync/core/store-kit'
import { asc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { clerkSyncEvents, clerkSyncRoleAudit, clerkSyncUserState } from '../schema/sqlite.js'
import type { ResolvedUsersTable } from '../users-table.js'
import { type DialectOps, newStateRows, type ReadOps, type StateRow } from './ops.js'
import { createReads } from './reads.js'

import { excludedSet } from './shared.js'

// biome-ignore lint/suspicious/noExplicitAny: a transaction of any SQLite driver, sync or async.
type Tx = BaseSQLiteDatabase<any, any, any, any>

const state = clerkSyncUserState
const stateColumns = {
  userId: state.userId,
  version: state.version,
  deletedAt: state.deletedAt,
  role: state.role,
}

/**
 * SQLite: the same conditional upserts as Postgres; no row locks, because write transactions
 * start with `BEGIN IMMEDIATE` and SQLite runs one writer at a time. Every query ends in
 * `.all()`/`.run()`, which answer at once on better-sqlite3 and with a promise on libSQL.
 */
export function sqliteOps(users: ResolvedUsersTable): DialectOps<Tx> {
  return {
    // 32,766 bound parameters since SQLite 3.32; ~12 per user row.
    batchSize: 500,
    *claimEvent(tx, event) {
      const rows = yield* step(
        tx
          .insert(clerkSyncEvents)
          .values({ id: event.id, type: event.type, receivedAt: event.receivedAt })
          .onConflictDoNothing()
          .returning({ id: clerkSyncEvents.id })
          .all(),
      )
      return (rows as unknown[]).length === 1
    },
    *ensureStates(tx, ids) {
      yield* step(tx.insert(state).values(newStateRows(ids)).onConflictDoNothing().run())
    },
    *lockStates(tx, ids) {
      return (yield* step(
        tx
          .select(stateColumns)
          .from(state)
          .where(inArray(state.userId, ids))
          .orderBy(asc(state.userId))
          .all(),
      )) as StateRow[]
    },
    *saveStates(tx, rows) {
      yield* step(
        tx
          .insert(state)
          .values(rows)
          .onConflictDoUpdate({
            target: state.userId,
            set: {
              version: sql`excluded.version`,
              deletedAt: sql`excluded.deleted_at`,
              role: sql`excluded.role`,
            },
          })
          .run(),
      )
    },
    *readUsers(tx, ids) {
      const selection = { id: users.id, role: users.role ?? users.id }
      const rows = (yield* step(
        tx
          .select(selection as { id: typeof state.userId; role: typeof state.userId })
          .from(users.table as never)
          .where(inArray(users.id, ids))
          .all(),
      )) as Array<{ id: string; role: string }>
      return new Map(rows.map((r) => [r.id, users.role ? r.role : null]))
    },
    *writeUsers(tx, batch) {
      yield* step(
        tx
          .insert(users.table as never)
          .values(batch.map((u) => users.toValues(u)) as never)
          .onConflictDoUpdate({ target: users.id as never, set: excludedSet(users) as never })
          .run(),
      )
    },
    *deleteUserRow(tx, userId, deletedAt) {
      if (users.onDelete === 'delete') {
        yield* step(
          tx
            .delete(users.table as never)
            .where(eq(users.id, userId))
            .run(),
        )
        return
      }
      // 'soft' / 'anonymize': the row stays (business records referencing it too), marked.
      const values = users.retireValues(deletedAt)
      if (Object.keys(values).length === 0) return
      yield* step(
        tx
          .update(users.table as never)
          .set(values as never)
          .where(eq(users.id, userId))
          .run(),
      )
    },
    *insertAudit(tx, rows) {
      yield* step(tx.insert(clerkSyncRoleAudit).values(rows).run())
    },
  }
}

export function sqliteReads(db: Tx, users: ResolvedUsersTable): ReadOps {
  return createReads({
    db,
    users,
    state,
    audit: clerkSyncRoleAudit,
    events: clerkSyncEvents,
    run: (query) => query.all(),
    async pruneEvents(olderThan) {
      const rows = await db
        .delete(clerkSyncEvents)
        .where(lt(clerkSyncEvents.receivedAt, olderThan))
        .returning({ id: clerkSyncEvents.id })
        .all()
      return rows.length
    },
  })
}
