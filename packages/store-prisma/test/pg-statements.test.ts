import { ErrorCode, type SyncedUser } from '@clerk-sync/core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { emptyTables } from '../../../test-support/sql-harness.js'
import { prismaStore } from '../src/index.js'
import { adapterSchema } from '../src/prisma-like.js'
import type { TestDatabase } from './support/connections.js'
import { countedPostgres, statementsSent } from './support/counted-postgres.js'

/**
 * What Prisma sends to Postgres per webhook write, counted on the pg.Pool handed to PrismaPg: every
 * query, BEGIN and COMMIT included, goes through a pooled client's `query`. The session runs in a
 * time zone other than UTC, where a zone-less timestamp would land hours off.
 */
const skip = await postgresUnavailable()
const T = Date.UTC(2026, 6, 1, 12, 30, 45, 678)
const origin = { source: 'webhook' as const, actor: null }
const event = (id: string) => ({ id, type: 'user.updated', receivedAt: new Date(T) })

function user(id: string, version: number, role: string, email: string | null = null) {
  return {
    id,
    email,
    firstName: 'Ada',
    lastName: null,
    username: null,
    phone: null,
    imageUrl: null,
    role,
    createdAt: new Date(T - 86_400_000),
    updatedAt: new Date(version),
  } satisfies SyncedUser<string>
}

describe.skipIf(Boolean(skip))('webhook writes on PostgreSQL · @prisma/adapter-pg', () => {
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

  it('runs a user.created or user.updated as one statement, without a transaction; a delete as before', async () => {
    const store = prismaStore(prisma, database.storeOptions)
    await store.checkSchema() // opens the pool's first connection outside the counts
    // The app's table is qualified where Prisma puts the model: the adapter's schema.
    expect(adapterSchema(prisma)).toBe(database.storeOptions.schema)

    const counts = {
      created: await statements(() =>
        store.upsertUser({ user: user('user_count', T, 'member'), origin, event: event('msg_1') }),
      ),
      updated: await statements(() =>
        store.upsertUser({
          user: user('user_count', T + 1, 'admin'),
          origin,
          event: event('msg_2'),
        }),
      ),
      stale: await statements(() =>
        store.upsertUser({ user: user('user_count', T, 'member'), origin, event: event('msg_3') }),
      ),
      duplicate: await statements(() =>
        store.upsertUser({ user: user('user_count', T + 2, 'x'), origin, event: event('msg_2') }),
      ),
      withoutEvent: await statements(() =>
        store.upsertUser({ user: user('user_count', T + 3, 'admin'), origin }),
      ),
      deleted: await statements(() =>
        store.deleteUser({
          userId: 'user_count',
          deletedAt: new Date(T + 4),
          event: event('msg_4'),
        }),
      ),
    }
    for (const [name, sql] of Object.entries(counts).filter(([n]) => n !== 'deleted')) {
      expect(sql, name).toHaveLength(1)
      expect(sql[0], name).toMatch(/^WITH (claim AS \( INSERT INTO|app_before AS)/)
    }
    // Deletes keep the transaction (the delegate's deleteMany runs Prisma-emulated cascades).
    expect(counts.deleted[0]).toBe('BEGIN')
    expect(counts.deleted.at(-1)).toBe('COMMIT')
    expect(await store.listAuditEntries({ userId: 'user_count' })).toMatchObject({
      entries: [{ fromRole: 'member', toRole: 'admin', eventId: 'msg_2' }],
    })
    expect(
      (await database.raw.query('SELECT id FROM clerk_sync_events ORDER BY id')).map((r) => r.id),
    ).toEqual(['msg_1', 'msg_2', 'msg_3', 'msg_4'])
  })

  it('writes an enum role and zone-less timestamps as the delegate does, auditing the role the app had', async () => {
    const staff = prismaStore(prisma, {
      ...database.storeOptions,
      user: {
        model: 'staff',
        fields: {
          id: 'id',
          email: 'email',
          role: 'role',
          createdAt: 'createdAt',
          updatedAt: 'updatedAt',
        },
      },
    })
    // The app's row from before clerk-sync, written by the delegate.
    await prisma.staff.create({
      data: {
        id: 'user_staff',
        email: 'old@example.com',
        role: 'member',
        createdAt: new Date(T),
        updatedAt: new Date(T),
      },
    })
    const synced = { ...user('user_staff', T + 1000, 'admin', 'staff@example.com') }
    const sql = await statements(async () =>
      expect(await staff.upsertUser({ user: synced, origin, event: event('msg_staff') })).toEqual({
        outcome: 'applied',
        previousRole: 'member',
        created: false,
      }),
    )
    expect(sql).toHaveLength(1)
    expect(await prisma.staff.findUnique({ where: { id: 'user_staff' } })).toEqual({
      id: 'user_staff',
      email: 'staff@example.com',
      role: 'admin',
      createdAt: synced.createdAt,
      updatedAt: synced.updatedAt,
    })
    // The column holds UTC, as Prisma keeps a `timestamp` column.
    expect(
      await database.raw.query(
        `SELECT to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at FROM staff WHERE id = ?`,
        ['user_staff'],
      ),
    ).toEqual([{ at: synced.updatedAt.toISOString().slice(0, -1) }])
    expect((await staff.listAuditEntries({ userId: 'user_staff' })).entries).toMatchObject([
      { fromRole: 'member', toRole: 'admin', eventId: 'msg_staff' },
    ])
    // A new user: created, no audit entry. ClerkSyncUser's timestamptz columns hold the instant
    // (read in SQL: in a session that is not UTC, Prisma's adapter-pg reads and writes timestamptz
    // shifted by the offset itself, prisma/orm#26786; it expects UTC sessions).
    const fresh = prismaStore(prisma, database.storeOptions)
    const other = user('user_fresh', T, 'member')
    expect(await fresh.upsertUser({ user: other, origin })).toEqual({
      outcome: 'applied',
      previousRole: null,
      created: true,
    })
    expect(
      await database.raw.query(
        `SELECT (extract(epoch FROM created_at) * 1000)::bigint AS created, (extract(epoch FROM updated_at) * 1000)::bigint AS updated FROM clerk_sync_users WHERE id = ?`,
        ['user_fresh'],
      ),
    ).toEqual([
      { created: String(other.createdAt.getTime()), updated: String(other.updatedAt.getTime()) },
    ])
  })

  it('answers a UNIQUE violation of the app’s table with STORE_CONFLICT, recording nothing', async () => {
    const staff = prismaStore(prisma, {
      ...database.storeOptions,
      user: {
        model: 'staff',
        fields: { id: 'id', email: 'email', createdAt: 'createdAt', updatedAt: 'updatedAt' },
      },
    })
    await staff.upsertUser({ user: user('user_a', T, 'member', 'shared@example.com'), origin })
    const failed = await staff
      .upsertUser({
        user: user('user_b', T, 'member', 'shared@example.com'),
        origin,
        event: event('msg_b'),
      })
      .then(
        () => null,
        (error: Error & { code?: string }) => error,
      )
    expect(failed?.code).toBe(ErrorCode.STORE_CONFLICT)
    expect(failed?.message).toMatch(/^User user_b cannot be written: UNIQUE staff_email_key — /)
    expect(failed?.message).not.toContain('shared@example.com')
    expect(await database.raw.query('SELECT id FROM clerk_sync_events')).toEqual([])
    expect(
      await database.raw.query('SELECT user_id FROM clerk_sync_user_state WHERE user_id = ?', [
        'user_b',
      ]),
    ).toEqual([])
  })

  it('runs the statement again when Postgres aborts it for a serialization failure', async () => {
    const staff = prismaStore(prisma, {
      ...database.storeOptions,
      user: {
        model: 'staff',
        fields: { id: 'id', createdAt: 'createdAt', updatedAt: 'updatedAt' },
      },
    })
    // Fails the first write to staff (a sequence is not rolled back with it), then lets writes pass.
    await database.raw.query('CREATE SEQUENCE staff_abort_once')
    await database.raw.query(`CREATE FUNCTION staff_abort_once() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF nextval('staff_abort_once') = 1 THEN
          RAISE EXCEPTION 'forced serialization failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`)
    await database.raw.query(
      'CREATE TRIGGER staff_abort_once BEFORE INSERT ON staff FOR EACH ROW EXECUTE FUNCTION staff_abort_once()',
    )
    try {
      const sql = await statements(async () =>
        expect(
          await staff.upsertUser({
            user: user('user_retry', T, 'member'),
            origin,
            event: event('msg_r'),
          }),
        ).toMatchObject({ outcome: 'applied', created: true }),
      )
      expect(sql).toHaveLength(2)
      expect(sql[0]).toBe(sql[1])
    } finally {
      await database.raw.query('DROP TRIGGER staff_abort_once ON staff')
    }
  })

  it('keeps the delegate’s transaction for a model with a client-side default or @updatedAt', async () => {
    const badges = prismaStore(prisma, {
      ...database.storeOptions,
      user: { model: 'badge', fields: { id: 'id', email: 'email', role: 'role' } },
    })
    const sql = await statements(async () =>
      expect(
        await badges.upsertUser({
          user: user('user_badge', T, 'member'),
          origin,
          event: event('msg_badge'),
        }),
      ).toMatchObject({ outcome: 'applied', created: true }),
    )
    expect(sql[0]).toBe('BEGIN')
    expect(sql.at(-1)).toBe('COMMIT')
    const [row] = await prisma.badge.findMany({ where: { id: 'user_badge' } })
    expect(row.token).toMatch(/^c[a-z0-9]{20,}$/)
    expect(row.touchedAt).toBeInstanceOf(Date)
  })
})
