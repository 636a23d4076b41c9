import type { SyncedUser } from '@clerk-sync/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { emptyTables } from '../../../test-support/sql-harness.js'
import { prismaStore } from '../src/index.js'
import type { TestDatabase } from './support/connections.js'
import { countedPostgres, statementsSent } from './support/counted-postgres.js'

/**
 * Group commit on Postgres (upsertUserBatch): what Prisma sends, counted on the pg.Pool handed to
 * PrismaPg, in a session whose time zone is not UTC; and that the batch statement writes the rows
 * the single statement (and the delegate) would.
 */
const skip = await postgresUnavailable()
const T = Date.UTC(2026, 6, 1, 12, 30, 45, 678)
const origin = { source: 'webhook' as const, actor: null }
const event = (id: string) => ({ id, type: 'user.updated', receivedAt: new Date(T) })

function user(
  id: string,
  version: number,
  role: string,
  extra?: Record<string, unknown>,
): SyncedUser<string> {
  return {
    id,
    email: `${id}@example.com`,
    firstName: 'Ada',
    lastName: null,
    username: null,
    phone: null,
    imageUrl: null,
    role,
    createdAt: new Date(T - 86_400_000),
    updatedAt: new Date(version),
    ...(extra && { extra }),
  }
}

const staffModel = {
  model: 'staff',
  fields: {
    id: 'id',
    email: 'email',
    role: 'role',
    createdAt: 'createdAt',
    updatedAt: 'updatedAt',
  },
}

describe.skipIf(Boolean(skip))('group commit on PostgreSQL · @prisma/adapter-pg', () => {
  let database: TestDatabase
  // biome-ignore lint/suspicious/noExplicitAny: the generated client's delegates, loosely.
  let prisma: any
  const sent: string[] = []
  beforeAll(async () => {
    database = await countedPostgres(sent)
    prisma = database.prisma
  })
  afterAll(async () => {
    await database?.close()
  })
  beforeEach(async () => {
    await emptyTables(database.raw, ['clerk_sync_users', 'staff', 'badges'])
  })

  const statements = (run: () => Promise<unknown>) => statementsSent(sent, run)

  it('writes a batch as one statement, without a transaction, answering each input', async () => {
    const store = prismaStore(prisma, database.storeOptions)
    await store.checkSchema()
    await store.upsertUser({ user: user('user_known', T, 'member'), origin })
    await store.upsertUser({ user: user('user_newer', T + 9, 'member'), origin })
    await store.upsertUser({
      user: user('user_replayed', T, 'member'),
      origin,
      event: event('msg_seen'),
    })
    let results: unknown
    const sql = await statements(async () => {
      results = await store.upsertUserBatch!([
        { user: user('user_fresh', T, 'member', { plan: 'pro' }), origin, event: event('msg_1') },
        { user: user('user_known', T + 1, 'admin'), origin, event: event('msg_2') },
        { user: user('user_newer', T + 1, 'admin'), origin, event: event('msg_3') },
        { user: user('user_replayed', T + 1, 'admin'), origin, event: event('msg_seen') },
        { user: user('user_plain', T, 'member'), origin },
      ])
    })
    expect(sql).toHaveLength(1)
    expect(sql[0]).toMatch(/^WITH i AS \( SELECT \* FROM jsonb_to_recordset/)
    expect(results).toEqual([
      { outcome: 'applied', previousRole: null, created: true },
      { outcome: 'applied', previousRole: 'member', created: false },
      { outcome: 'stale', previousRole: null, created: false },
      { outcome: 'duplicate', previousRole: null, created: false },
      { outcome: 'applied', previousRole: null, created: true },
    ])
    expect(await store.getUser('user_fresh')).toMatchObject({ extra: { plan: 'pro' } })
    expect((await store.getUser('user_known'))?.role).toBe('admin')
    expect((await store.listAuditEntries({ userId: 'user_known' })).entries).toMatchObject([
      { fromRole: 'member', toRole: 'admin', eventId: 'msg_2' },
    ])
    // No extra: JSON null, as the single statement and the delegate store it (not SQL NULL).
    expect(
      await database.raw.query(
        `SELECT id, jsonb_typeof(extra) AS extra, (extract(epoch FROM updated_at) * 1000)::bigint AS updated
         FROM clerk_sync_users ORDER BY id`,
      ),
    ).toEqual([
      { id: 'user_fresh', extra: 'object', updated: String(T) },
      { id: 'user_known', extra: 'null', updated: String(T + 1) },
      { id: 'user_newer', extra: 'null', updated: String(T + 9) },
      { id: 'user_plain', extra: 'null', updated: String(T) },
      { id: 'user_replayed', extra: 'null', updated: String(T) },
    ])
  })

  it('writes an enum role and zone-less timestamps as the delegate does, auditing the role the app had', async () => {
    const staff = prismaStore(prisma, { ...database.storeOptions, user: staffModel })
    await prisma.staff.create({
      data: {
        id: 'user_staff',
        email: 'old@example.com',
        role: 'member',
        createdAt: new Date(T),
        updatedAt: new Date(T),
      },
    })
    const synced = user('user_staff', T + 1000, 'admin')
    const fresh = user('user_new_staff', T, 'member')
    const sql = await statements(async () =>
      expect(
        await staff.upsertUserBatch!([
          { user: synced, origin, event: event('msg_staff') },
          { user: fresh, origin, event: event('msg_new_staff') },
        ]),
      ).toEqual([
        { outcome: 'applied', previousRole: 'member', created: false },
        { outcome: 'applied', previousRole: null, created: true },
      ]),
    )
    expect(sql).toHaveLength(1)
    expect(await prisma.staff.findUnique({ where: { id: 'user_staff' } })).toEqual({
      id: 'user_staff',
      email: synced.email,
      role: 'admin',
      createdAt: synced.createdAt,
      updatedAt: synced.updatedAt,
    })
    expect(
      await database.raw.query(
        `SELECT to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at FROM staff WHERE id = ?`,
        ['user_staff'],
      ),
    ).toEqual([{ at: synced.updatedAt.toISOString().slice(0, -1) }])
    expect((await staff.listAuditEntries({ userId: 'user_staff' })).entries).toMatchObject([
      { fromRole: 'member', toRole: 'admin', eventId: 'msg_staff' },
    ])
  })

  it('fails the whole batch on a UNIQUE violation, recording nothing', async () => {
    const staff = prismaStore(prisma, { ...database.storeOptions, user: staffModel })
    const a = { ...user('user_a', T, 'member'), email: 'shared@example.com' }
    const b = { ...user('user_b', T, 'member'), email: 'shared@example.com' }
    await expect(
      staff.upsertUserBatch!([
        { user: a, origin, event: event('msg_a') },
        { user: b, origin, event: event('msg_b') },
      ]),
    ).rejects.toMatchObject({ code: 'STORE_CONFLICT' })
    expect(await database.raw.query('SELECT id FROM clerk_sync_events')).toEqual([])
    expect(await database.raw.query('SELECT id FROM staff')).toEqual([])
  })

  it('runs the statement again when Postgres aborts it for a serialization failure', async () => {
    const staff = prismaStore(prisma, { ...database.storeOptions, user: staffModel })
    await database.raw.query('CREATE SEQUENCE staff_batch_abort_once')
    await database.raw.query(`CREATE FUNCTION staff_batch_abort_once() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF nextval('staff_batch_abort_once') = 1 THEN
          RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`)
    await database.raw.query(
      'CREATE TRIGGER staff_batch_abort_once BEFORE INSERT ON staff FOR EACH ROW EXECUTE FUNCTION staff_batch_abort_once()',
    )
    try {
      const sql = await statements(async () =>
        expect(
          await staff.upsertUserBatch!([
            { user: user('user_r1', T, 'member'), origin, event: event('msg_r1') },
            { user: user('user_r2', T, 'member'), origin, event: event('msg_r2') },
          ]),
        ).toMatchObject([
          { outcome: 'applied', created: true },
          { outcome: 'applied', created: true },
        ]),
      )
      expect(sql).toHaveLength(2)
      expect(sql[0]).toBe(sql[1])
    } finally {
      await database.raw.query('DROP TRIGGER staff_batch_abort_once ON staff')
    }
  })

  it('runs the batch flow in one transaction for a model with a client-side default or @updatedAt', async () => {
    const badges = prismaStore(prisma, {
      ...database.storeOptions,
      user: { model: 'badge', fields: { id: 'id', email: 'email', role: 'role' } },
    })
    const sql = await statements(async () =>
      expect(
        await badges.upsertUserBatch!([
          { user: user('user_b1', T, 'member'), origin, event: event('msg_b1') },
          { user: user('user_b2', T, 'member'), origin, event: event('msg_b2') },
        ]),
      ).toMatchObject([
        { outcome: 'applied', created: true },
        { outcome: 'applied', created: true },
      ]),
    )
    expect(sql[0]).toBe('BEGIN')
    expect(sql.at(-1)).toBe('COMMIT')
    expect(sql.filter((s) => s === 'BEGIN')).toHaveLength(1)
    const rows = await prisma.badge.findMany({ orderBy: { id: 'asc' } })
    expect(rows.map((r: { token: string }) => r.token)).toEqual([
      expect.stringMatching(/^c[a-z0-9]{20,}$/),
      expect.stringMatching(/^c[a-z0-9]{20,}$/),
    ])
  })
})
