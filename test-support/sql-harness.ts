import type { UserStore } from '@clerk-sync/core'
import type { ConformanceHarness } from '@clerk-sync/testing/conformance'
import type { FaultInjector } from './faults.js'
import { type RawDatabase, toDate } from './raw-database.js'

const bookkeeping = ['clerk_sync_events', 'clerk_sync_user_state', 'clerk_sync_role_audit']

/** Empties the given tables (dependents first) and clerk-sync's own, between tests. */
export async function emptyTables(raw: RawDatabase, usersTables: string[]): Promise<void> {
  const tables = [...usersTables, ...bookkeeping]
  if (raw.dialect === 'pg')
    await raw.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY`)
  else if (raw.dialect === 'mysql') for (const t of tables) await raw.query(`DELETE FROM \`${t}\``)
  else {
    for (const t of tables) await raw.query(`DELETE FROM "${t}"`)
    await raw.query(
      `DELETE FROM sqlite_sequence WHERE name IN (${tables.map(() => '?').join(', ')})`,
      tables,
    )
  }
}

/** Where the users table keeps what the deletion-policy tests read: column names, when mapped. */
export interface UserRowColumns {
  deletedAt?: string
  email?: string
  firstName?: string
  lastName?: string
  username?: string
  phone?: string
  imageUrl?: string
}

const personalFields = ['email', 'firstName', 'lastName', 'username', 'phone', 'imageUrl'] as const

/**
 * A conformance harness for any SQL store, checked through direct SQL on its tables: clerk-sync's
 * bookkeeping and the users table it writes (`usersTable`, keyed by `idColumn`).
 */
export async function sqlHarness(options: {
  store: UserStore
  raw: RawDatabase
  faults: FaultInjector
  usersTable: string
  idColumn: string
  /** Tables referencing the users table, emptied first. */
  dependents?: string[]
  /** The columns `inspect.userRow` reads (the deletion-policy tests need it). */
  rowColumns?: UserRowColumns
}): Promise<ConformanceHarness> {
  const { raw, faults, usersTable, idColumn } = options
  await emptyTables(raw, [...(options.dependents ?? []), usersTable])
  await faults.reset()
  const q = (name: string) => (raw.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)
  return {
    store: options.store,
    delayNextWrite: (userId, { delayMs, fail = false }) => faults.hold(userId, delayMs, fail),
    inspect: {
      async eventRecorded(eventId) {
        return (
          (await raw.query('SELECT 1 AS found FROM clerk_sync_events WHERE id = ?', [eventId]))
            .length === 1
        )
      },
      async syncState(userId) {
        const [row] = await raw.query(
          'SELECT version, deleted_at FROM clerk_sync_user_state WHERE user_id = ?',
          [userId],
        )
        return row ? { version: Number(row.version), deletedAt: toDate(row.deleted_at) } : null
      },
      async userRowExists(userId) {
        return (
          (
            await raw.query(`SELECT 1 AS found FROM ${q(usersTable)} WHERE ${q(idColumn)} = ?`, [
              userId,
            ])
          ).length === 1
        )
      },
      async userRow(userId) {
        const columns = options.rowColumns ?? {}
        const mapped = [...personalFields, 'deletedAt' as const].filter((f) => columns[f])
        const select = mapped.map((f) => `${q(columns[f]!)} AS ${q(f)}`).join(', ')
        const [row] = await raw.query(
          `SELECT 1 AS found${select ? `, ${select}` : ''} FROM ${q(usersTable)} WHERE ${q(idColumn)} = ?`,
          [userId],
        )
        if (!row) return null
        const value = (f: string) => (row[f] === undefined ? null : row[f])
        return {
          deletedAt: toDate(value('deletedAt')),
          email: value('email'),
          firstName: value('firstName'),
          lastName: value('lastName'),
          username: value('username'),
          phone: value('phone'),
          imageUrl: value('imageUrl'),
        }
      },
      async auditRowCount(userId) {
        const [row] = await raw.query(
          'SELECT COUNT(*) AS n FROM clerk_sync_role_audit WHERE target_user_id = ?',
          [userId],
        )
        return Number(row?.n ?? 0)
      },
    },
  }
}
