import { createClerkSync, ErrorCode, type LogFields, type Logger } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

function captureLogger() {
  const lines: string[] = []
  const at = (level: string) => (message: string, _fields?: LogFields) =>
    void lines.push(`${level} ${message}`)
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
  return { logger, lines }
}

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
        store: prismaStore(database.prisma, { user: seedUser }),
        logger: log.logger,
      })
      const send = (payload: object, id?: string) => {
        const body = JSON.stringify(payload)
        return sync.processWebhook({ body, headers: signWebhook({ secret, body, id }) })
      }
      const row = async (id: string) =>
        (await database.raw.query('SELECT * FROM users WHERE id = ?', [id]))[0]
      return { send, log, row }
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
