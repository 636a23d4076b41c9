import { step } from '@clerk-sync/core/store-kit'
import { asc, eq, inArray, lt, SQL, StringChunk, sql } from 'drizzle-orm'
import type { MySqlDatabase } from 'drizzle-orm/mysql-core'
import { clerkSyncEvents, clerkSyncRoleAudit, clerkSyncUserState } from '../schema/mysql.js'
import { isDuplicateKey } from '../store-errors.js'
import type { ResolvedUsersTable } from '../users-table.js'
import { mysqlUserUpdates } from './mysql-writes.js'
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

const stateColumnList = sql.join(
  [state.userId, state.version, state.deletedAt, state.role].map((c) => sql.identifier(c.name)),
  sql`, `,
)
const comma = new StringChunk(', ')

/**
 * `INSERT INTO clerk_sync_user_state … VALUES (…), (…) ON DUPLICATE KEY UPDATE …` for up to a
 * batch of rows (4 parameters each), the values handed to Drizzle as bare primitives: its insert
 * builder's per-value type checks cost more than the statement itself at 1,000 rows.
 */
function insertStates(rows: StateRow[], onDuplicate: SQL): SQL {
  const chunks: unknown[] = [sql`insert into ${state} (${stateColumnList}) values `]
  rows.forEach((row, i) => {
    if (i > 0) chunks.push(comma)
    chunks.push([
      row.userId,
      row.version,
      row.deletedAt === null ? null : state.deletedAt.mapToDriverValue(row.deletedAt),
      row.role,
    ])
  })
  chunks.push(sql` on duplicate key update ${onDuplicate}`)
  return new SQL(chunks as SQL['queryChunks'])
}

/**
 * MySQL/MariaDB never leans on `ON DUPLICATE KEY UPDATE` for the app's users: it fires on any
 * unique key (a UNIQUE email would overwrite another user's row), applies assignments left to
 * right, and mysql2's found-rows count makes a no-op look like a write. Instead the state row is
 * locked with `SELECT … FOR UPDATE` and users are written by id, in READ COMMITTED transactions
 * (so a locking read of a missing row takes no gap lock). The state table has no unique key but
 * its primary key, so an upsert there is safe.
 *
 * A webhook write takes few statements: one locking read of the state row and the app's row
 * together (`lockUser`), the state row inserted only when that read finds none (already holding
 * the write's outcome), and the app's row and the state updated by one multi-table UPDATE.
 */
export function mysqlOps(users: ResolvedUsersTable): DialectOps<Tx> {
  const appRole = users.role ?? sql`null`
  const updates = mysqlUserUpdates(users)

  /**
   * Locks the user's state row (if it exists) and reads it with the app's row, in one statement.
   * The app's row is a plain read, as readUsers does: InnoDB takes a READ COMMITTED snapshot at a
   * statement's first plain read, which comes after the first SELECT's lock wait, so it sees what
   * the writer waited on committed. Not locking it keeps every lock taken in one order, state row
   * first, also when the state row is still missing (a bulk write holding it would deadlock).
   */
  function* lockRead(tx: Tx, userId: string) {
    const [rows] = (yield* step(
      tx.execute(
        sql`(select 1 as k, ${state.version} as v, ${state.deletedAt} as d, ${state.role} as r, null as a from ${state} where ${state.userId} = ${sql.param(userId, state.userId)} for update) union all (select 2, null, null, null, ${appRole} from ${users.table} where ${users.id} = ${sql.param(userId, users.id)})`,
      ),
    )) as unknown as [Array<{ k: number; v: unknown; d: unknown; r: unknown; a: unknown }>]
    const found = rows.find((row) => Number(row.k) === 1)
    const app = rows.find((row) => Number(row.k) === 2)
    const existing = new Map<string, string | null>()
    if (app)
      existing.set(
        userId,
        users.role && app.a !== null ? (users.role.mapFromDriverValue(app.a) as string) : null,
      )
    const row: StateRow | null = found
      ? {
          userId,
          version: state.version.mapFromDriverValue(found.v as number) as number,
          deletedAt:
            found.d === null
              ? null
              : (state.deletedAt.mapFromDriverValue(found.d as string) as Date),
          role: found.r === null ? null : (found.r as string),
        }
      : null
    return { row, existing }
  }

  const ops: DialectOps<Tx> = {
    batchSize: 1000,
    *claimEvent(tx, event) {
      try {
        // A duplicate waits on the first delivery's row lock, then gets ER_DUP_ENTRY if it committed.
        yield* step(
          tx
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
        tx.execute(
          insertStates(
            newStateRows(ids),
            sql`${sql.identifier(state.userId.name)} = ${sql.identifier(state.userId.name)}`,
          ),
        ),
      )
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
      const fromValues = (name: string) =>
        sql`${sql.identifier(name)} = values(${sql.identifier(name)})`
      yield* step(
        tx.execute(
          insertStates(
            rows,
            sql.join(
              [state.version.name, state.deletedAt.name, state.role.name].map(fromValues),
              sql`, `,
            ),
          ),
        ),
      )
    },
    *readUsers(tx, ids) {
      // A plain read: the transaction runs READ COMMITTED and the user's state row is locked, so
      // it sees the latest commit without taking gap locks on ids that do not exist yet.
      const selection = { id: users.id, role: users.role ?? users.id }
      const rows = (yield* step(
        tx
          .select(selection as { id: typeof state.userId; role: typeof state.userId })
          .from(users.table as never)
          .where(inArray(users.id, ids)),
      )) as Array<{ id: string; role: string }>
      return new Map(rows.map((r) => [r.id, users.role ? r.role : null]))
    },
    *writeUsers(tx, batch, existing) {
      const inserts = batch.filter((u) => !existing.has(u.id))
      if (inserts.length)
        yield* step(
          tx.insert(users.table as never).values(inserts.map((u) => users.toValues(u)) as never),
        )
      const changed = batch.filter((u) => existing.has(u.id)).map((u) => users.toValues(u))
      if (changed.length === 1) {
        const assignments = updates.assignments(changed[0]!)
        if (assignments.length)
          yield* step(
            tx.execute(
              sql`update ${users.table} set ${sql.join(assignments, sql`, `)} where ${users.id} = ${sql.param(changed[0]![users.idKey], users.id)}`,
            ),
          )
      } else if (changed.length > 1) {
        // One UPDATE … JOIN per batch, not one UPDATE per row.
        for (const statement of updates.statements(changed)) yield* step(tx.execute(statement))
      }
    },
    *lockUser(tx, userId, first) {
      const { row, existing } = yield* lockRead(tx, userId)
      if (row) return { state: row, existing, created: false }
      // No row, and no gap lock taken (READ COMMITTED): create it. Should another writer create it
      // first, this waits for its commit and then takes the row's lock at once (a plain INSERT
      // would take a shared lock that several such losers then all try to upgrade: deadlocks).
      // `LAST_INSERT_ID(1)` runs only on that path, so the answer's insertId tells the two apart
      // (the affected-rows count cannot: mysql2's found-rows flag counts a no-op as 1).
      const [header] = (yield* step(
        tx
          .insert(state)
          .values(first)
          .onDuplicateKeyUpdate({
            set: { userId: sql`if(last_insert_id(1), ${state.userId}, ${state.userId})` },
          }),
      )) as unknown as [{ insertId: number }]
      if (Number(header.insertId) === 0)
        return { state: newStateRows([userId])[0]!, existing, created: true }
      const again = yield* lockRead(tx, userId)
      if (!again.row) throw new Error(`clerk-sync: no state row for ${userId} after creating it`)
      return { state: again.row, existing: again.existing, created: false }
    },
    *writeUserAndState(tx, user, existing, next) {
      if (!existing.has(user.id)) {
        yield* ops.writeUsers(tx, [user], existing)
        yield* ops.saveStates(tx, [next])
        return
      }
      // One multi-table UPDATE, each row by its key (the state row is locked already).
      const assignments = [
        ...updates.assignments(users.toValues(user)),
        sql`${state.version} = ${sql.param(next.version, state.version)}`,
        sql`${state.deletedAt} = ${sql.param(next.deletedAt, state.deletedAt)}`,
        sql`${state.role} = ${sql.param(next.role, state.role)}`,
      ]
      const [header] = (yield* step(
        tx.execute(
          sql`update ${users.table}, ${state} set ${sql.join(assignments, sql`, `)} where ${users.id} = ${sql.param(user.id, users.id)} and ${state.userId} = ${sql.param(user.id, state.userId)}`,
        ),
      )) as unknown as [{ info?: string; affectedRows?: number }]
      // Should the app have deleted its row since the read, nothing matched: save the state alone.
      // (Without the server's "Rows matched" the affected rows count, which is never higher.)
      const matched = /Rows matched: (\d+)/.exec(header.info ?? '')?.[1] ?? header.affectedRows
      if (!(Number(matched) >= 2)) yield* ops.saveStates(tx, [next])
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
  return ops
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
