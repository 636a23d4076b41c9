import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import {
  mariadbDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

/**
 * The shipped SQL and the shipped schema fragment describe the same tables: the SQL is applied to
 * a fresh database, then every field of every ClerkSync* model is written and read back through
 * the client generated from the fragment.
 */
const targets = [
  { name: 'PostgreSQL 15', open: postgresDatabase, skip: await postgresUnavailable() },
  { name: 'MariaDB', open: mariadbDatabase, skip: await mysqlUnavailable() },
  { name: 'SQLite', open: sqliteDatabase, skip: false as const },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`schema fragment ↔ migration SQL · ${target.name}`, () => {
    let database: TestDatabase
    beforeAll(async () => {
      database = await target.open()
    })
    afterAll(async () => {
      await database?.close()
    })

    it('round-trips every field of every model', async () => {
      // biome-ignore lint/suspicious/noExplicitAny: the three generated clients share these delegates.
      const prisma = database.prisma as any
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))
      const user = {
        id: 'user_roundtrip',
        email: 'a@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        username: 'ada',
        phone: '+15555550100',
        imageUrl: 'https://img.clerk.com/x',
        role: 'admin',
        createdAt: at,
        updatedAt: new Date(at.getTime() + 1),
        extra: { plan: 'pro', seats: 3 },
      }
      await prisma.clerkSyncUser.create({ data: user })
      expect(await prisma.clerkSyncUser.findUnique({ where: { id: user.id } })).toEqual(user)

      const event = { id: 'msg_roundtrip', type: 'user.created', receivedAt: at }
      await prisma.clerkSyncEvent.create({ data: event })
      expect(await prisma.clerkSyncEvent.findUnique({ where: { id: event.id } })).toEqual(event)

      const state = {
        userId: user.id,
        version: BigInt(at.getTime()),
        deletedAt: at,
        role: 'admin',
        // Postgres only (migration 0001_prev_role): its webhook upsert is one statement.
        ...(target.name.startsWith('PostgreSQL') ? { prevRole: 'client' } : {}),
      }
      await prisma.clerkSyncUserState.create({ data: state })
      expect(await prisma.clerkSyncUserState.findUnique({ where: { userId: user.id } })).toEqual(
        state,
      )

      const audit = {
        actor: 'user_admin',
        targetUserId: user.id,
        fromRole: 'client',
        toRole: 'admin',
        at,
        source: 'api',
        eventId: event.id,
      }
      const created = await prisma.clerkSyncRoleAudit.create({ data: audit })
      expect(typeof created.id).toBe('bigint')
      expect(await prisma.clerkSyncRoleAudit.findUnique({ where: { id: created.id } })).toEqual({
        ...audit,
        id: created.id,
      })
    })
  })
}
