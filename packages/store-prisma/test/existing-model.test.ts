import { createClerkSync, ErrorCode } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import { emptyTables } from '../../../test-support/sql-harness.js'
import { prismaStore, type UserModelOption } from '../src/index.js'
import {
  mariadbDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

/** The seed app: `User` with `password String?` and `Workout` relations `onDelete: Cascade`. */
const seedUser: UserModelOption = {
  model: 'user',
  fields: {
    id: 'id',
    email: 'email',
    firstName: 'firstName',
    lastName: 'lastName',
    role: 'role',
    createdAt: 'createdAt',
    updatedAt: 'updatedAt',
  },
}

const targets = [
  { name: 'PostgreSQL 15', open: postgresDatabase, skip: await postgresUnavailable() },
  { name: 'MariaDB', open: mariadbDatabase, skip: await mysqlUnavailable() },
  { name: 'SQLite', open: sqliteDatabase, skip: false as const },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`prisma · the seed app’s User model · ${target.name}`, () => {
    let database: TestDatabase
    const secret = generateSigningSecret()
    const T = Date.UTC(2026, 3, 1)
    beforeAll(async () => {
      database = await target.open()
    })
    afterAll(async () => {
      await database?.close()
    })

    async function setup() {
      await emptyTables(database.raw, ['workouts', 'users'])
      const log = captureLogger()
      const sync = createClerkSync({
        signingSecret: secret,
        store: prismaStore(database.prisma, { ...database.storeOptions, user: seedUser }),
        logger: log.logger,
      })
      const send = (payload: object, id?: string) => {
        const body = JSON.stringify(payload)
        return sync.processWebhook({ body, headers: signWebhook({ secret, body, id }) })
      }
      const row = async (id: string) =>
        (await database.raw.query('SELECT * FROM users WHERE id = ?', [id]))[0]
      return { send, log, row, sync }
    }

    it('writes only the synced fields, leaves the password alone, and cascades a delete', async () => {
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

      expect(
        (await send(userUpdatedEvent({ ...user, first_name: 'Augusta', updated_at: T + 1000 })))
          .outcome,
      ).toBe('applied')
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

    it('takes a record the app had before clerk-sync as existing: its role change is audited', async () => {
      const { send, sync } = await setup()
      const user = clerkUser({ emails: ['seeded@example.com'], role: 'client', updatedAt: T })
      await (
        database.prisma as unknown as { user: { create(a: unknown): Promise<unknown> } }
      ).user.create({
        data: { id: user.id, email: 'seeded@example.com', role: 'admin' },
      })
      const result = await send(userCreatedEvent(user))
      expect(result).toMatchObject({ outcome: 'applied', previousRole: 'admin', role: 'client' })
      expect(result.message).toBe(`User ${user.id} updated in database; role admin → client`)
      const audit = await sync.store.listAuditEntries({ userId: user.id })
      expect(audit.entries).toEqual([
        expect.objectContaining({ fromRole: 'admin', toRole: 'client', source: 'webhook' }),
      ])
    })

    it('writes the rest of a bulk upsert when the model refuses some users, and reports those', async () => {
      const { sync } = await setup()
      const good = clerkUser({ emails: ['good@example.com'], updatedAt: T })
      const noEmail = clerkUser({ emails: [], phones: ['+15555550100'], updatedAt: T })
      const taken = clerkUser({ emails: ['good@example.com'], updatedAt: T })
      const other = clerkUser({ emails: ['other@example.com'], updatedAt: T })
      const synced = await Promise.all(
        [good, noEmail, taken, other].map((u) => sync.toSyncedUser(u)),
      )
      const result = await sync.store.upsertUsers({
        users: synced,
        origin: { source: 'backfill', actor: null },
      })
      expect(new Set(result.applied)).toEqual(new Set([good.id, other.id]))
      expect(new Set(result.failed.map((f) => f.id))).toEqual(new Set([noEmail.id, taken.id]))
      expect(result.failed.find((f) => f.id === noEmail.id)?.reason).toMatch(
        /required field "email"/,
      )
      expect(result.failed.find((f) => f.id === taken.id)?.reason).toMatch(/UNIQUE/)
      expect(result.failed.map((f) => f.reason).join()).not.toContain('good@example.com')
    })

    it('pages and counts by the synced role when the model has no role field mapped', async () => {
      const { sync } = await setup()
      const store = prismaStore(database.prisma, {
        ...database.storeOptions,
        user: {
          model: 'user',
          fields: { id: 'id', email: 'email', createdAt: 'createdAt', updatedAt: 'updatedAt' },
        },
      })
      const ids = ['user_p1', 'user_p2', 'user_p3', 'user_p4']
      for (const id of ids) {
        const synced = await sync.toSyncedUser(
          clerkUser({ id, emails: [`${id}@example.com`], role: 'trainer', updatedAt: T }),
        )
        await store.upsertUser({ user: synced, origin: { source: 'webhook', actor: null } })
      }
      // The app deletes one record itself, behind clerk-sync's back.
      await database.raw.query('DELETE FROM users WHERE id = ?', ['user_p2'])
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: Awaited<ReturnType<typeof store.listUsers>> = await store.listUsers({
          role: 'trainer',
          limit: 2,
          cursor,
        })
        seen.push(...page.users.map((u) => u.id))
        cursor = page.nextCursor
      } while (cursor)
      expect(seen).toEqual(['user_p1', 'user_p3', 'user_p4'])
      expect(await store.countUsersByRole()).toEqual({ trainer: 4 })
    })

    it('answers 500 naming the required email field for a user without email, until a newer event makes the retry stale', async () => {
      const { send, log, row } = await setup()
      const user = clerkUser({ emails: [], phones: ['+15555550100'], updatedAt: T })
      const result = await send(userCreatedEvent(user), 'msg_noemail')
      expect(result).toMatchObject({
        status: 500,
        outcome: 'failed',
        code: ErrorCode.STORE_CONFLICT,
      })
      expect(log.lines.at(-1)).toMatch(
        /^error .*required field "email".*optional or fill it in mapUser/,
      )
      expect(
        await database.raw.query('SELECT 1 FROM clerk_sync_events WHERE id = ?', ['msg_noemail']),
      ).toEqual([])
      expect(await row(user.id)).toBeUndefined()

      expect(
        (
          await send(
            userUpdatedEvent(
              clerkUser({ id: user.id, emails: ['late@example.com'], updatedAt: T + 1000 }),
            ),
          )
        ).outcome,
      ).toBe('applied')
      expect((await send(userCreatedEvent(user), 'msg_noemail')).outcome).toBe('stale')
    })

    it('lets an email that moved between users out of order land on retry, logging the UNIQUE field', async () => {
      const { send, log, row } = await setup()
      const a = clerkUser({ emails: ['shared@example.com'], updatedAt: T })
      await send(userCreatedEvent(a))
      const b = clerkUser({ emails: ['shared@example.com'], updatedAt: T + 2000 })
      expect(await send(userCreatedEvent(b), 'msg_b')).toMatchObject({
        status: 500,
        code: ErrorCode.STORE_CONFLICT,
      })
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
      expect(await send(userCreatedEvent(b), 'msg_b')).toMatchObject({
        status: 200,
        outcome: 'applied',
      })
      expect(await row(b.id)).toMatchObject({ email: 'shared@example.com' })
    })
  })
}
