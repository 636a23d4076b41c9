import type { SyncedUser, UserStore } from '@clerk-sync/core'
import { drizzle } from 'drizzle-orm/mysql2'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlUnavailable, mysqlUrl, runScopedName } from '../../../test-support/databases.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import { appDdl, membersOption, mysqlApp } from './support/app-schema.js'

/**
 * How many statements each write sends to MariaDB, counted twice: by the client (every query the
 * store's one connection runs, with its SQL) and by the server (the session's `Questions`). The
 * counts are exact, so a change that adds a round trip to the webhook path shows up here.
 */
const skip = await mysqlUnavailable()
const suite = skip ? describe.skip : describe

const T = Date.UTC(2026, 3, 1)
function user(id: string, at: number, patch: Partial<SyncedUser<string>> = {}): SyncedUser<string> {
  return {
    id,
    email: `${id}@example.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: null,
    phone: null,
    imageUrl: null,
    role: 'member',
    createdAt: new Date(T),
    updatedAt: new Date(at),
    ...patch,
  }
}

suite('statements per write · MariaDB', () => {
  const name = runScopedName('clerk_sync_test')
  let admin: mysql.Connection
  let connection: mysql.Connection
  let sent: string[] = []
  const origin = { source: 'webhook' as const, actor: null }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: mysqlUrl })
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    connection = await mysql.createConnection({ uri: mysqlUrl, database: name })
    for (const method of ['query', 'execute'] as const) {
      const original = connection[method].bind(connection) as (...args: unknown[]) => unknown
      ;(connection as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const first = args[0] as string | { sql: string }
        sent.push(typeof first === 'string' ? first : first.sql)
        return original(...args)
      }
    }
    await applyMigrations(drizzle(connection))
    for (const statement of appDdl.mysql) await connection.query(statement)
  })
  afterAll(async () => {
    await connection?.end()
    await admin?.query(`DROP DATABASE IF EXISTS ${name}`)
    await admin?.end()
  })

  async function questions(): Promise<number> {
    const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Questions'")
    return Number((rows as Array<{ Value: string }>)[0]!.Value)
  }

  /** The statements one write sends: the client's list, checked against the server's count. */
  async function count(write: () => Promise<unknown>): Promise<string[]> {
    const before = await questions()
    sent = []
    await write()
    const statements = [...sent]
    const after = await questions()
    // `Questions` counts the SHOW that read it too.
    expect(after - before - 1).toBe(statements.length)
    return statements
  }

  const report: Array<[string, number]> = []
  afterAll(() => {
    if (report.length) console.log(report.map(([what, n]) => `${n}\t${what}`).join('\n'))
  })

  for (const mode of ['clerk_sync_users', 'existing table (members)'] as const) {
    it(`counts each webhook write · ${mode}`, async () => {
      const store: UserStore<string> = drizzleStore(
        drizzle(connection),
        mode === 'clerk_sync_users' ? {} : { users: membersOption(mysqlApp) },
      )
      const id = `user_${mode === 'clerk_sync_users' ? 'own' : 'app'}`
      const event = (n: string, type = 'user.updated') => ({
        id: `msg_${id}_${n}`,
        type,
        receivedAt: new Date(),
      })
      const cases: Array<[string, () => Promise<unknown>]> = [
        [
          'user.created, a new user',
          () => store.upsertUser({ user: user(id, T), origin, event: event('1', 'user.created') }),
        ],
        [
          'user.updated, same role',
          () =>
            store.upsertUser({
              user: user(id, T + 1000, { firstName: 'Ada2' }),
              origin,
              event: event('2'),
            }),
        ],
        [
          'user.updated, role change (audit)',
          () =>
            store.upsertUser({
              user: user(id, T + 2000, { role: 'admin' }),
              origin,
              event: event('3'),
            }),
        ],
        [
          'the same delivery again (duplicate)',
          () =>
            store.upsertUser({
              user: user(id, T + 2000, { role: 'admin' }),
              origin,
              event: event('3'),
            }),
        ],
        [
          'an older version (stale)',
          () => store.upsertUser({ user: user(id, T + 500), origin, event: event('4') }),
        ],
        [
          'user.deleted',
          () =>
            store.deleteUser({
              userId: id,
              deletedAt: new Date(T + 3000),
              event: event('5', 'user.deleted'),
            }),
        ],
        [
          'user.deleted again (stale)',
          () =>
            store.deleteUser({
              userId: id,
              deletedAt: new Date(T + 3000),
              event: event('6', 'user.deleted'),
            }),
        ],
        [
          'user.deleted of a user never seen',
          () =>
            store.deleteUser({
              userId: `${id}_never`,
              deletedAt: new Date(T),
              event: event('7', 'user.deleted'),
            }),
        ],
      ]
      const counts: Record<string, number> = {}
      for (const [what, write] of cases) {
        const statements = await count(write)
        counts[what] = statements.length
        report.push([`${mode}: ${what}`, statements.length])
        if (process.env.CLERK_SYNC_PRINT_SQL) console.log(`${what}\n  ${statements.join('\n  ')}`)
      }
      // Every write pays SET TRANSACTION, BEGIN, the event's claim and COMMIT; then a locking read
      // of the state and the app's row, and one write (a new user: the state row and the user).
      expect(counts).toEqual({
        'user.created, a new user': 7,
        'user.updated, same role': 6,
        'user.updated, role change (audit)': 7,
        'the same delivery again (duplicate)': 4,
        'an older version (stale)': 5,
        'user.deleted': 7,
        'user.deleted again (stale)': 5,
        'user.deleted of a user never seen': 7,
      })
    })
  }

  it('updates existing users in bulk with one UPDATE … JOIN per batch, not one per user', async () => {
    const store = drizzleStore(drizzle(connection))
    const ids = Array.from({ length: 1500 }, (_, i) => `user_bulk_${i}`)
    const backfill = { source: 'backfill' as const, actor: null }
    await store.upsertUsers({ users: ids.map((id) => user(id, T)), origin: backfill })
    const statements = await count(() =>
      store.upsertUsers({
        users: ids.map((id) => user(id, T + 1000, { firstName: 'Grace' })),
        origin: backfill,
      }),
    )
    report.push(['upsertUsers, 1,500 existing users', statements.length])
    // Per batch of 1,000: create missing state rows, lock them, read the app's rows, update, save.
    expect(statements.filter((q) => q.startsWith('update'))).toHaveLength(2)
    expect(statements).toHaveLength(2 + 2 * 5 + 1)
  })
})
