import { step } from '@clerk-sync/core/store-kit'
import { asc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { PgDatabase } from 'drizzle-orm/pg-core'
import { clerkSyncEvents, clerkSyncRoleAudit, clerkSyncUserState } from '../schema/pg.js'
import type { ResolvedUsersTable } from '../users-table.js'
import { type DialectOps, newStateRows, type ReadOps, type StateRow } from './ops.js'
import { createReads } from './reads.js'

import { excludedSet } from './shared.js'

// biome-ignore lint/suspicious/noExplicitAny: a transaction of any Postgres driver (pg, postgres-js, PGlite).
type Tx = PgDatabase<any, any, any>

const state = clerkSyncUserState
const stateColumns = {
  userId: state.userId,
  version: state.version,
  deletedAt: state.deletedAt,
  role: state.role,
}

/**
 * Postgres: conditional upserts with `ON CONFLICT`, and the state row locked with `FOR UPDATE`
 * (READ COMMITTED re-reads it after the lock, so a delete committed meanwhile is seen).
 */
export function pgOps(users: ResolvedUsersTable): DialectOps<Tx> {
  return {
    batchSize: 1000,
    *claimEvent(tx, event) {
      const rows = yield* step(
        tx
          .insert(clerkSyncEvents)
          .values({ id: event.id, type: event.type, receivedAt: event.receivedAt })
          .onConflictDoNothing()
          .returning({ id: clerkSyncEvents.id }),
      )
      return rows.length === 1
    },
    *ensureStates(tx, ids) {
      yield* step(tx.insert(state).values(newStateRows(ids)).onConflictDoNothing())
    },
    *lockStates(tx, ids) {
      return (yield* step(
        tx
          .select(stateColumns)
          .from(state)
          .where(inArray(state.userId, ids))
          .orderBy(asc(state.userId))
          .for('update'),
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
          }),
      )
    },
    *readUsers(tx, ids) {
      const selection = { id: users.id, role: users.role ?? users.id }
      const rows = (yield* step(
        tx
          .select(selection as { id: typeof state.userId; role: typeof state.userId })
          .from(users.table as never)
          .where(inArray(users.id, ids)),
      )) as Array<{ id: string; role: string }>
      return new Map(rows.map((r) => [r.id, users.role ? r.role : null]))
    },
    *writeUsers(tx, batch) {
      yield* step(
        tx
          .insert(users.table as never)
          .values(batch.map((u) => users.toValues(u)) as never)
          .onConflictDoUpdate({ target: users.id as never, set: excludedSet(users) as never }),
      )
    },
    *deleteUserRow(tx, userId, deletedAt) {
      if (users.onDelete === 'delete') {
        yield* step(tx.delete(users.table as never).where(eq(users.id, userId)))
        return
      }
      // 'soft' / 'anonymize': the row stays (business records referencing it too), marked.
      const values = users.retireValues(deletedAt)
      if (Object.keys(values).length === 0) return
      yield* step(
        tx
          .update(users.table as never)
          .set(values as never)
          .where(eq(users.id, userId)),
      )
    },
    *insertAudit(tx, rows) {
      yield* step(tx.insert(clerkSyncRoleAudit).values(rows))
    },
  }
}

export function pgReads(db: Tx, users: ResolvedUsersTable): ReadOps {
  return createReads({
    db,
    users,
    state,
    audit: clerkSyncRoleAudit,
    events: clerkSyncEvents,
    run: (query) => query,
    async pruneEvents(olderThan) {
      const rows = await db
        .delete(clerkSyncEvents)
        .where(lt(clerkSyncEvents.receivedAt, olderThan))
        .returning({ id: clerkSyncEvents.id })
      return rows.length
    },
  })
}
