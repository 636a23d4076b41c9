import { createClerkSync, ErrorCode } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { storeConformance } from '@clerk-sync/testing/conformance'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import { toDate } from '../../../test-support/raw-database.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import {
  appDdl,
  deletedAtDdl,
  leftAtDdl,
  membersLeavingOption,
  membersOption,
  mysqlApp,
  pgApp,
  seedUsersLeavingOption,
  seedUsersOption,
  sqliteApp,
} from './support/app-schema.js'
import {
  mysqlDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'
import { drizzleHarness, emptyTables } from './support/harness.js'

const targets = [
  {
    name: 'PostgreSQL 15',
    dialect: 'pg' as const,
    app: pgApp,
    open: () => postgresDatabase('pg'),
    skip: await postgresUnavailable(),
  },
  {
    name: 'MariaDB',
    dialect: 'mysql' as const,
    app: mysqlApp,
    open: () => mysqlDatabase(),
    skip: await mysqlUnavailable(),
  },
  {
    name: 'SQLite',
    dialect: 'sqlite' as const,
    app: sqliteApp,
    open: async () => sqliteDatabase(),
    skip: false as const,
  },
]

for (const target of targets) {
  let database: TestDatabase
  beforeAll(async () => {
    if (target.skip) return
    database = await target.open()
    await applyMigrations(database.db)
    for (const statement of appDdl[target.dialect]) await database.raw.query(statement)
    await database.raw.query(leftAtDdl[target.dialect])
    await database.raw.query(deletedAtDdl[target.dialect])
    await database.faults.install([
      { table: 'members', id: 'member_id' },
      { table: 'users', id: 'id' },
    ])
  })
  afterAll(async () => {
    await database?.close()
  })

  storeConformance({
    name: `drizzle · existing users table · ${target.name}`,
    skip: target.skip,
    setup: () => drizzleHarness({ ...database, store: { users: membersOption(target.app) } }),
    setupWithDeletePolicy: (onDelete) =>
      drizzleHarness({
        ...database,
        store: { users: membersLeavingOption(target.app), onDelete },
      }),
  })

  const suite = target.skip ? describe.skip : describe
  suite(`the seed app’s users table · ${target.name}`, () => {
    const secret = generateSigningSecret()
    const T = Date.UTC(2026, 3, 1)
    const setup = async () => {
      await emptyTables(database.raw, ['workouts', 'users'])
      const log = captureLogger()
      const sync = createClerkSync({
        signingSecret: secret,
        store: drizzleStore(database.db, { users: seedUsersOption(target.app) }),
        logger: log.logger,
      })
      const send = (payload: object, id?: string) => {
        const body = JSON.stringify(payload)
        return sync.processWebhook({ body, headers: signWebhook({ secret, body, id }) })
      }
      const row = async (id: string) =>
        (await database.raw.query('SELECT * FROM users WHERE id = ?', [id]))[0]
      return { sync, send, log, row }
    }

    it('writes only its columns, leaves the password alone, and cascades a delete', async () => {
      const { send, row } = await setup()
      const user = clerkUser({
        emails: ['ada@example.com'],
        firstName: 'Ada',
        role: 'trainer',
        updatedAt: T,
      })
      expect((await send(userCreatedEvent(user))).outcome).toBe('applied')
      await database.raw.query('UPDATE users SET password = ? WHERE id = ?', [
        '$2b$10$hash',
        user.id,
      ])
      await database.raw.query('INSERT INTO workouts (user_id, name) VALUES (?, ?), (?, ?)', [
        user.id,
        'legs',
        user.id,
        'arms',
      ])

      const renamed = { ...user, first_name: 'Augusta', updated_at: T + 1000 }
      expect((await send(userUpdatedEvent(renamed))).outcome).toBe('applied')
      expect(await row(user.id)).toMatchObject({
        first_name: 'Augusta',
        email: 'ada@example.com',
        role: 'trainer',
        password: '$2b$10$hash',
      })

      expect((await send(userDeletedEvent(user.id, { timestamp: T + 2000 }))).outcome).toBe(
        'applied',
      )
      expect(await row(user.id)).toBeUndefined()
      expect(
        await database.raw.query('SELECT * FROM workouts WHERE user_id = ?', [user.id]),
      ).toEqual([])
    })

    it("keeps the row and the app's records under onDelete 'soft', and never reads the user back", async () => {
      await emptyTables(database.raw, ['workouts', 'users'])
      const sync = createClerkSync({
        signingSecret: secret,
        store: drizzleStore(database.db, {
          users: seedUsersLeavingOption(target.app),
          onDelete: 'soft',
        }),
        logger: captureLogger().logger,
      })
      const send = (payload: object) => {
        const body = JSON.stringify(payload)
        return sync.processWebhook({ body, headers: signWebhook({ secret, body }) })
      }
      const user = clerkUser({ emails: ['kept@example.com'], firstName: 'Ada', updatedAt: T })
      expect((await send(userCreatedEvent(user))).outcome).toBe('applied')
      await database.raw.query('INSERT INTO workouts (user_id, name) VALUES (?, ?)', [
        user.id,
        'legs',
      ])
      const deletedAt = T + 2000
      expect((await send(userDeletedEvent(user.id, { timestamp: deletedAt }))).outcome).toBe(
        'applied',
      )
      const [row] = await database.raw.query('SELECT * FROM users WHERE id = ?', [user.id])
      expect(row).toMatchObject({ email: 'kept@example.com', first_name: 'Ada' })
      expect(toDate(row!.deleted_at)?.getTime()).toBe(deletedAt)
      expect(
        await database.raw.query('SELECT name FROM workouts WHERE user_id = ?', [user.id]),
      ).toEqual([{ name: 'legs' }])
      expect(await sync.store.getUser(user.id)).toBeNull()
      expect((await sync.store.listUsers()).users).toEqual([])
      const revived = { ...user, first_name: 'Back', updated_at: T + 9000 }
      expect((await send(userUpdatedEvent(revived))).outcome).toBe('stale')
      expect((await database.raw.query('SELECT first_name FROM users'))[0]).toEqual({
        first_name: 'Ada',
      })
    })

    it('takes a row the app had before clerk-sync as existing: its role change is audited', async () => {
      const { sync, send } = await setup()
      const now = target.dialect === 'sqlite' ? Date.now() : new Date()
      const user = clerkUser({ emails: ['seeded@example.com'], role: 'client', updatedAt: T })
      await database.raw.query(
        "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, ?, 'admin', ?, ?)",
        [user.id, 'seeded@example.com', now, now],
      )
      const result = await send(userCreatedEvent(user))
      expect(result).toMatchObject({ outcome: 'applied', previousRole: 'admin', role: 'client' })
      expect(result.message).toBe(`User ${user.id} updated in database; role admin → client`)
      const audit = await sync.store.listAuditEntries({ userId: user.id })
      expect(audit.entries).toEqual([
        expect.objectContaining({
          fromRole: 'admin',
          toRole: 'client',
          source: 'webhook',
          actor: null,
        }),
      ])
    })

    it('writes the rest of a bulk upsert when the table refuses some users, and reports those', async () => {
      const { sync } = await setup()
      const good = clerkUser({ emails: ['good@example.com'], updatedAt: T })
      const noEmail = clerkUser({ emails: [], phones: ['+15555550100'], updatedAt: T })
      const taken = clerkUser({ emails: ['good@example.com'], updatedAt: T })
      const other = clerkUser({ emails: ['other@example.com'], updatedAt: T })
      const users = await Promise.all(
        [good, noEmail, taken, other].map((u) => sync.toSyncedUser(u)),
      )
      const result = await sync.store.upsertUsers({
        users,
        origin: { source: 'backfill', actor: null },
      })
      expect(new Set(result.applied)).toEqual(new Set([good.id, other.id]))
      expect(result.stale).toEqual([])
      expect(result.failed).toEqual([
        { id: noEmail.id, reason: expect.stringMatching(/NOT NULL column "email"/) },
        { id: taken.id, reason: expect.stringMatching(/UNIQUE/) },
      ])
      expect(result.failed.map((f) => f.reason).join()).not.toContain('good@example.com')
      expect(await database.raw.query('SELECT id FROM users ORDER BY id')).toHaveLength(2)
    })

    it('answers 500 with a line naming the NOT NULL email column for a user without email, and applies once one arrives', async () => {
      const { send, log, row } = await setup()
      const user = clerkUser({ emails: [], phones: ['+15555550100'], updatedAt: T })
      const result = await send(userCreatedEvent(user), 'msg_noemail')
      expect(result).toMatchObject({
        status: 500,
        outcome: 'failed',
        code: ErrorCode.STORE_CONFLICT,
      })
      expect(log.lines.at(-1)).toMatch(
        /^error .*NOT NULL column "email".*nullable or fill it in mapUser/,
      )
      expect(
        (await database.raw.query('SELECT 1 FROM clerk_sync_events WHERE id = ?', ['msg_noemail']))
          .length,
      ).toBe(0)
      expect(await row(user.id)).toBeUndefined()

      const withEmail = clerkUser({
        id: user.id,
        emails: ['late@example.com'],
        updatedAt: T + 1000,
      })
      expect((await send(userUpdatedEvent(withEmail))).outcome).toBe('applied')
      expect(await row(user.id)).toMatchObject({ email: 'late@example.com' })
      // Svix's retry of the first event is now older than the row: harmless.
      expect((await send(userCreatedEvent(user), 'msg_noemail')).outcome).toBe('stale')
    })

    it('lets an email that moved between users out of order land on retry, logging the UNIQUE conflict', async () => {
      const { send, log, row } = await setup()
      const a = clerkUser({ emails: ['shared@example.com'], updatedAt: T })
      await send(userCreatedEvent(a))
      // B signs up with A's old address before A's change to a new one is delivered.
      const b = clerkUser({ emails: ['shared@example.com'], updatedAt: T + 2000 })
      const early = await send(userCreatedEvent(b), 'msg_b_created')
      expect(early).toMatchObject({ status: 500, code: ErrorCode.STORE_CONFLICT })
      expect(log.lines.at(-1)).toMatch(
        /^error .*UNIQUE .*Svix retries, and the write applies once that update lands/,
      )
      expect(log.lines.at(-1)).not.toContain('shared@example.com')

      const aMoved = {
        ...a,
        email_addresses: [{ ...a.email_addresses[0]!, email_address: 'new-a@example.com' }],
        updated_at: T + 1000,
      }
      expect((await send(userUpdatedEvent(aMoved))).outcome).toBe('applied')
      const retry = await send(userCreatedEvent(b), 'msg_b_created')
      expect(retry).toMatchObject({ status: 200, outcome: 'applied' })
      expect(await row(a.id)).toMatchObject({ email: 'new-a@example.com' })
      expect(await row(b.id)).toMatchObject({ email: 'shared@example.com' })
    })
  })
}
