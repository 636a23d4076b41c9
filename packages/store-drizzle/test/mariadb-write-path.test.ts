import type { SyncedUser, UserStore } from '@clerk-sync/core'
import { datetime, mysqlTable, varchar } from 'drizzle-orm/mysql-core'
import mysql from 'mysql2/promise'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mysqlUnavailable, mysqlUrl } from '../../../test-support/databases.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import { appDdl, membersOption, mysqlApp } from './support/app-schema.js'
import { mysqlDatabase, type TestDatabase } from './support/connections.js'
import { emptyTables } from './support/harness.js'

/**
 * The MySQL/MariaDB write path's own statements: the bulk `UPDATE … JOIN (SELECT … UNION ALL …)`
 * writes every value as one UPDATE per row would, and a new user's first writes racing each other
 * create its state row once (the insert that loses waits, then reads what the winner committed).
 */
const skip = await mysqlUnavailable()
const suite = skip ? describe.skip : describe

const T = Date.UTC(2026, 3, 1)
const backfill = { source: 'backfill' as const, actor: null }
const webhook = { source: 'webhook' as const, actor: null }

function user(id: string, patch: Partial<SyncedUser<string>> = {}): SyncedUser<string> {
  return {
    id,
    email: `${id}@example.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: 'ada',
    phone: '+15555550100',
    imageUrl: 'https://img.example.com/ada.png',
    role: 'member',
    createdAt: new Date(T),
    updatedAt: new Date(T),
    ...patch,
  }
}

/** An app table keyed by a latin1 id, with a column only Drizzle's `$onUpdate` writes. */
const accounts = mysqlTable('accounts', {
  id: varchar('id', { length: 191 }).primaryKey(),
  email: varchar('email', { length: 255 }),
  role: varchar('role', { length: 32 }),
  touchedAt: datetime('touched_at', { mode: 'date', fsp: 3 }).$onUpdate(
    () => new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 123)),
  ),
})
const accountsDdl = `CREATE TABLE accounts (id varchar(191) CHARACTER SET latin1 PRIMARY KEY,
  email varchar(255), role varchar(32), touched_at datetime(3), note varchar(32) DEFAULT 'kept') ENGINE=InnoDB`

suite('the MariaDB write path', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await mysqlDatabase()
    await applyMigrations(database.db)
    for (const statement of [...appDdl.mysql, accountsDdl]) await database.raw.query(statement)
  })
  afterAll(async () => {
    await database?.close()
  })
  beforeEach(async () => {
    await emptyTables(database.raw, ['clerk_sync_users', 'members', 'accounts'])
  })

  it('updates existing users in bulk with every value as written: NULLs in the first row, milliseconds, JSON, quotes', async () => {
    const store = drizzleStore(database.db)
    const ids = Array.from({ length: 1500 }, (_, i) => `user_bulk_${String(i).padStart(4, '0')}`)
    const first = ids.map((id, i) =>
      user(id, { updatedAt: new Date(T + 1), extra: { n: i }, role: i % 2 ? 'member' : 'admin' }),
    )
    await store.upsertUsers({ users: first, origin: backfill })
    // The first row of each batch has every nullable column NULL; later rows mix values in.
    const second = ids.map((id, i) =>
      i % 1000 === 0
        ? user(id, {
            email: null,
            firstName: null,
            lastName: null,
            username: null,
            phone: null,
            imageUrl: null,
            updatedAt: new Date(T + 2000),
          })
        : user(id, {
            firstName: i % 3 ? `O'Brien \\ "${i}" 🚀` : null,
            lastName: 'Ünïcødé',
            createdAt: new Date(T - 999),
            updatedAt: new Date(T + 1999 + (i % 7)),
            imageUrl: `https://img.example.com/${'x'.repeat(1500)}?i=${i}`,
            role: i % 5 ? 'admin' : 'member',
            extra: { nested: { list: [1, 'two', null], quote: `it's "${i}"` }, at: i },
          }),
    )
    const result = await store.upsertUsers({ users: second, origin: backfill })
    expect(result).toEqual({ applied: ids, stale: [], failed: [] })
    for (const i of [0, 1, 2, 3, 999, 1000, 1001, 1499]) {
      expect(await store.getUser(ids[i]!)).toEqual(second[i])
    }
    const [counts] = await database.raw.query(
      "SELECT COUNT(*) AS n, SUM(first_name LIKE 'O''Brien%') AS quoted FROM clerk_sync_users",
    )
    expect(Number(counts!.n)).toBe(1500)
    expect(Number(counts!.quoted)).toBe(ids.filter((_, i) => i % 1000 !== 0 && i % 3).length)
    // Role changes of existing users are audited as before.
    const changed = ids.filter((_, i) => first[i]!.role !== second[i]!.role)
    const [audit] = await database.raw.query('SELECT COUNT(*) AS n FROM clerk_sync_role_audit')
    expect(Number(audit!.n)).toBe(changed.length)
  })

  it('updates only the columns each user maps in the app’s own table, leaving the rest alone', async () => {
    const store = drizzleStore(database.db, { users: membersOption(mysqlApp) })
    const ids = ['user_m1', 'user_m2', 'user_m3', 'user_m4']
    await store.upsertUsers({
      users: ids.map((id) => user(id, { extra: { plan: 'free' } })),
      origin: backfill,
    })
    await database.raw.query("UPDATE members SET password = 'secret'")
    // Two users carry the mapped extra, two do not: theirs keeps its value.
    const next = ids.map((id, i) =>
      user(id, {
        firstName: `v2-${i}`,
        updatedAt: new Date(T + 1000),
        ...(i < 2 ? { extra: { plan: 'pro' } } : {}),
      }),
    )
    await store.upsertUsers({ users: next, origin: backfill })
    const rows = await database.raw.query(
      'SELECT member_id, given_name, plan, password, changed_at FROM members ORDER BY member_id',
    )
    expect(rows).toEqual(
      ids.map((id, i) => ({
        member_id: id,
        given_name: `v2-${i}`,
        plan: i < 2 ? 'pro' : 'free',
        password: 'secret',
        changed_at: new Date(T + 1000),
      })),
    )
  })

  it('joins on a latin1 id and sets $onUpdate columns, in bulk and one by one, as Drizzle’s update does', async () => {
    const store: UserStore<string> = drizzleStore(database.db, {
      users: {
        table: accounts,
        columns: { id: accounts.id, email: accounts.email, role: accounts.role },
      },
    })
    const ids = ['user_a1', 'user_a2', 'user_a3']
    await store.upsertUsers({ users: ids.map((id) => user(id)), origin: backfill })
    await database.raw.query('UPDATE accounts SET touched_at = NULL')
    await store.upsertUsers({
      users: ids
        .slice(0, 2)
        .map((id) => user(id, { email: `${id}@new.example.com`, updatedAt: new Date(T + 1) })),
      origin: backfill,
    })
    await store.upsertUser({
      user: user('user_a3', { role: 'admin', updatedAt: new Date(T + 1) }),
      origin: webhook,
      event: { id: 'msg_a3', type: 'user.updated', receivedAt: new Date() },
    })
    const touched = new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 123))
    expect(
      await database.raw.query(
        'SELECT id, email, role, touched_at, note FROM accounts ORDER BY id',
      ),
    ).toEqual([
      {
        id: 'user_a1',
        email: 'user_a1@new.example.com',
        role: 'member',
        touched_at: touched,
        note: 'kept',
      },
      {
        id: 'user_a2',
        email: 'user_a2@new.example.com',
        role: 'member',
        touched_at: touched,
        note: 'kept',
      },
      {
        id: 'user_a3',
        email: 'user_a3@example.com',
        role: 'admin',
        touched_at: touched,
        note: 'kept',
      },
    ])
  })

  it('still saves the state when the app deletes its row while the update waits for it', async () => {
    const store = drizzleStore(database.db, { users: membersOption(mysqlApp) })
    const id = 'user_gone'
    await store.upsertUser({ user: user(id), origin: webhook })
    // The app holds its row, so the store's UPDATE waits; then the app deletes it and commits.
    const [{ name }] = (await database.raw.query('SELECT DATABASE() AS name')) as [{ name: string }]
    const app = await mysql.createConnection({ uri: mysqlUrl, database: name })
    await app.query('BEGIN')
    await app.query('SELECT member_id FROM members WHERE member_id = ? FOR UPDATE', [id])
    const write = store.upsertUser({
      user: user(id, { firstName: 'late', updatedAt: new Date(T + 1000) }),
      origin: webhook,
      event: { id: 'msg_gone', type: 'user.updated', receivedAt: new Date() },
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    await app.query('DELETE FROM members WHERE member_id = ?', [id])
    await app.query('COMMIT')
    await app.end()
    expect(await write).toEqual({ outcome: 'applied', previousRole: 'member', created: false })
    const [state] = await database.raw.query(
      'SELECT version FROM clerk_sync_user_state WHERE user_id = ?',
      [id],
    )
    expect(Number(state!.version)).toBe(T + 1000)
    expect(await database.raw.query('SELECT 1 FROM members WHERE member_id = ?', [id])).toEqual([])
  })

  for (const mode of ['a new user', 'a user the app already had'] as const) {
    it(`creates the state row once when 20 first writes of ${mode} race, and ends at the newest`, async () => {
      const store = drizzleStore(database.db, { users: membersOption(mysqlApp) })
      for (let round = 0; round < 5; round++) {
        const id = `user_race_${round}`
        if (mode === 'a user the app already had')
          await database.raw.query(
            "INSERT INTO members (member_id, access_role, joined_at, changed_at) VALUES (?, 'admin', NOW(3), NOW(3))",
            [id],
          )
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.upsertUser({
              user: user(id, { firstName: `v${i}`, updatedAt: new Date(T + i * 1000) }),
              origin: webhook,
              event: { id: `msg_${round}_${i}`, type: 'user.updated', receivedAt: new Date() },
            }),
          ),
        )
        const created = results.filter((r) => r.outcome === 'applied' && r.created)
        expect(created).toHaveLength(mode === 'a new user' ? 1 : 0)
        expect(await store.getUser(id)).toMatchObject({
          firstName: 'v19',
          updatedAt: new Date(T + 19_000),
        })
        const [state] = await database.raw.query(
          'SELECT version FROM clerk_sync_user_state WHERE user_id = ?',
          [id],
        )
        expect(Number(state!.version)).toBe(T + 19_000)
      }
    })
  }
})
