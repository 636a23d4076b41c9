import { step } from '@clerk-sync/core/store-kit'
import { asc, eq, inArray, lt, sql } from 'drizzle-orm'
import type { MySqlDatabase } from 'drizzle-orm/mysql-core'
import { clerkSyncEvents, clerkSyncRoleAudit, clerkSyncUserState } from '../schema/mysql.js'
import { isDuplicateKey } from '../store-errors.js'
import type { ResolvedUsersTable } from '../users-table.js'
import { type DialectOps, newStateRows, type ReadOps, type StateRow } from './ops.js'
import { createReads } from './reads.js'

// biome-ignore lint/suspicious/noExplicitAny: a transaction of any MySQL driver (mysql2).
type Tx = MySqlDatabase<any, any, any, any>

const state = clerkSyncUserState
const stateColumns = {
  userId: state.userId,
  version: state.version,
  deletedAt: state.deletedAt,
  role: state.role,
}

/**
 * MySQL/MariaDB never leans on `ON DUPLICATE KEY UPDATE` for the app's users: it fires on any
 * unique key (a UNIQUE email would overwrite another user's row), applies assignments left to
 * right, and mysql2's found-rows count makes a no-op look like a write. Instead the state row is
 * locked with `SELECT … FOR UPDATE` and users are written by id, in READ COMMITTED transactions. The state table has no unique key
 * but its primary key, so an upsert there is safe.
 */
export function mysqlOps(users: ResolvedUsersTable): DialectOps {
  return {
    batchSize: 1000,
    *claimEvent(tx, event) {
      try {
        // A duplicate waits on the first delivery's row lock, then gets ER_DUP_ENTRY if it committed.
        yield* step(
          (tx as Tx)
            .insert(clerkSyncEvents)
            .values({ id: event.id, type: event.type, receivedAt: event.receivedAt }),
        )
        return true
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
    },
    *ensureStates(tx, ids) {
      // `user_id = user_id` takes the row lock at once, where INSERT IGNORE would take a shared
      // lock that two writers then both try to upgrade (a deadlock).
      yield* step(
        (tx as Tx)
          .insert(state)
          .values(newStateRows(ids))
          .onDuplicateKeyUpdate({ set: { userId: sql`${state.userId}` } }),
      )
    },
    *lockStates(tx, ids) {
      return (yield* step(
        (tx as Tx)
          .select(stateColumns)
          .from(state)
          .where(inArray(state.userId, ids))
          .orderBy(asc(state.userId))
          .for('update'),
      )) as StateRow[]
    },
    *saveStates(tx, rows) {
      yield* step(
        (tx as Tx)
          .insert(state)
          .values(rows)
          .onDuplicateKeyUpdate({
            set: {
              version: sql`values(${state.version})`,
              deletedAt: sql`values(${state.deletedAt})`,
              role: sql`values(${state.role})`,
            },
          }),
      )
    },
    *readUsers(tx, ids) {
      // A plain read: the transaction runs READ COMMITTED and the user's state row is locked, so
      // it sees the latest commit without taking gap locks on ids that do not exist yet.
      const selection = { id: users.id, role: users.role ?? users.id }
      const rows = (yield* step(
        (tx as Tx)
          .select(selection as { id: typeof state.userId; role: typeof state.userId })
          .from(users.table as never)
          .where(inArray(users.id, ids)),
      )) as Array<{ id: string; role: string }>
      return new Map(rows.map((r) => [r.id, users.role ? r.role : null]))
    },
    *writeUsers(tx, batch, existing) {
      const t = tx as Tx
      const inserts = batch.filter((u) => !existing.has(u.id))
      if (inserts.length)
        yield* step(
          t.insert(users.table as never).values(inserts.map((u) => users.toValues(u)) as never),
        )
      for (const user of batch) {
        if (!existing.has(user.id)) continue
        const { [users.idKey]: _id, ...set } = users.toValues(user)
        yield* step(
          t
            .update(users.table as never)
            .set(set as never)
            .where(eq(users.id, user.id)),
        )
      }
    },
    *deleteUserRow(tx, userId) {
      yield* step((tx as Tx).delete(users.table as never).where(eq(users.id, userId)))
    },
    *insertAudit(tx, rows) {
      yield* step((tx as Tx).insert(clerkSyncRoleAudit).values(rows))
    },
  }
}

export function mysqlReads(db: Tx, users: ResolvedUsersTable): ReadOps {
  return createReads({
    db,
    users,
    state,
    audit: clerkSyncRoleAudit,
    events: clerkSyncEvents,
    run: (query) => query,
    async pruneEvents(olderThan) {
      // No RETURNING on MySQL: mysql2 reports the count.
      const [header] = (await db
        .delete(clerkSyncEvents)
        .where(lt(clerkSyncEvents.receivedAt, olderThan))) as unknown as [{ affectedRows: number }]
      return header.affectedRows
    },
  })
}
