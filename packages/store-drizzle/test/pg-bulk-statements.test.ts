import type { SyncedUser } from '@clerk-sync/core'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable, postgresUrl, runScopedName } from '../../../test-support/databases.js'
import { applyMigrations, drizzleStore } from '../src/index.js'

/**
 * A backfill page is one statement on Postgres (the group-commit statement without event ids),
 * under the same version guard and with the same audit rows as a webhook. Counted on the store's
 * one connection: every query it sends.
 */
const T = Date.UTC(2026, 3, 1)
const user = (n: number, at: number, role = 'member'): SyncedUser<string> => ({
  id: `user_${String(n).padStart(5, '0')}`,
  email: `u${n}@example.com`,
  firstName: 'Ada',
  lastName: `N${n}`,
  username: null,
  phone: null,
  imageUrl: null,
  role,
  createdAt: new Date(T),
  updatedAt: new Date(at),
})
const origin = { source: 'backfill' as const, actor: null }
const skip = await postgresUnavailable()

;(skip ? describe.skip : describe)('bulk upsert statements · PostgreSQL 15 · node-postgres', () => {
  const schema = runScopedName('clerk_sync_bulk')
  let admin: pg.Client
  let client: pg.Client
  const sent: string[] = []
  let store: ReturnType<typeof drizzleStore>

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    client = new pg.Client({ connectionString: postgresUrl, options: `-c search_path=${schema}` })
    client.on('error', () => {})
    await client.connect()
    const db = drizzle(client)
    await applyMigrations(db)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as unknown as { query: unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text: string }
      sent.push(typeof first === 'string' ? first : first.text)
      return query(...args)
    }
    store = drizzleStore(db)
  })
  afterAll(async () => {
    await client?.end()
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin?.end()
  })

  it('writes a page of 500 users in one statement, and 2,500 in three inside one transaction', async () => {
    sent.length = 0
    const page = Array.from({ length: 500 }, (_, i) => user(i, T + 10))
    const first = await store.upsertUsers({ users: page, origin })
    expect(first.applied).toHaveLength(500)
    expect(sent, sent.join('\n---\n')).toHaveLength(1)

    sent.length = 0
    const many = Array.from({ length: 2500 }, (_, i) => user(1000 + i, T + 10))
    const second = await store.upsertUsers({ users: many, origin })
    expect(second.applied).toHaveLength(2500)
    expect(sent.map((s) => s.trim().split(/\s+/)[0]!.toLowerCase())).toEqual([
      'begin',
      'with',
      'with',
      'with',
      'commit',
    ])
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.clerk_sync_users`)
    expect(rows[0].n).toBe(3000)
  })

  it('keeps the version guard and audits role changes with the bulk source', async () => {
    await store.deleteUser({ userId: user(1, 0).id, deletedAt: new Date(T + 20) })
    const result = await store.upsertUsers({
      users: [user(0, T + 5, 'admin'), user(1, T + 30), user(2, T + 30, 'admin'), user(2, T + 40)],
      origin,
    })
    // user 0: older than stored; user 1: tombstoned; user 2: the newest of its two copies.
    expect(result).toEqual({
      applied: [user(2, 0).id],
      stale: [user(0, 0).id, user(1, 0).id],
      failed: [],
    })
    expect(await store.getUser(user(1, 0).id)).toBeNull()
    expect((await store.getUser(user(0, 0).id))?.role).toBe('member')
    const stored = await store.getUser(user(2, 0).id)
    expect(stored?.updatedAt.getTime()).toBe(T + 40)
    const promoted = await store.upsertUsers({ users: [user(3, T + 50, 'admin')], origin })
    expect(promoted.applied).toEqual([user(3, 0).id])
    const audit = await store.listAuditEntries({ userId: user(3, 0).id })
    expect(audit.entries.map((e) => [e.fromRole, e.toRole, e.source, e.eventId])).toEqual([
      ['member', 'admin', 'backfill', null],
    ])
  })
})
