import { createClerkSync, silentLogger } from '@clerk-sync/core'
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
import { applyMigrations, drizzleStore } from '../src/index.js'
import { mysqlDatabase, postgresDatabase, type TestDatabase } from './support/connections.js'
import { emptyTables } from './support/harness.js'

/**
 * Whole deliveries, signed and verified, racing on real servers: the store must end in Clerk's
 * newest state, answer every delivery 200, and never let a deadlock reach Svix as a 500.
 */
const targets = [
  {
    name: 'PostgreSQL 15 (postgres-js)',
    open: () => postgresDatabase('postgres-js'),
    skip: await postgresUnavailable(),
  },
  { name: 'MariaDB', open: () => mysqlDatabase(), skip: await mysqlUnavailable() },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`racing webhook deliveries · ${target.name}`, () => {
    let database: TestDatabase
    const secret = generateSigningSecret()
    beforeAll(async () => {
      database = await target.open()
      await applyMigrations(database.db)
    })
    afterAll(async () => {
      await database?.close()
    })

    const deliver = (sync: ReturnType<typeof createClerkSync>, payload: object, id: string) => {
      const body = JSON.stringify(payload)
      return sync.processWebhook({ body, headers: signWebhook({ secret, body, id }) })
    }

    it('ends in the newest of 25 versions, each delivered twice at once, with no 500', async () => {
      await emptyTables(database.raw, ['clerk_sync_users'])
      const store = drizzleStore(database.db)
      const sync = createClerkSync({ signingSecret: secret, store, logger: silentLogger })
      const base = clerkUser({ updatedAt: Date.UTC(2026, 0, 1) })
      const versions = Array.from({ length: 25 }, (_, i) => ({
        ...base,
        first_name: `v${i}`,
        updated_at: base.updated_at + i * 1000,
      }))
      const deliveries = versions.flatMap((v, i) => [
        deliver(sync, userUpdatedEvent(v), `msg_v${i}`),
        deliver(sync, userUpdatedEvent(v), `msg_v${i}`),
      ])
      const results = await Promise.all(deliveries)
      expect(results.filter((r) => r.status !== 200)).toEqual([])
      expect(results.filter((r) => r.outcome === 'applied').length).toBeGreaterThanOrEqual(1)
      expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(25)
      expect((await store.getUser(base.id))?.firstName).toBe('v24')
    })

    it('creates 150 new users delivered at once, three times over, with no 500', async () => {
      await emptyTables(database.raw, ['clerk_sync_users'])
      const store = drizzleStore(database.db)
      const sync = createClerkSync({ signingSecret: secret, store, logger: silentLogger })
      for (let round = 0; round < 3; round++) {
        const users = Array.from({ length: 150 }, () =>
          clerkUser({ updatedAt: Date.UTC(2026, 0, 1) }),
        )
        const results = await Promise.all(
          users.map((u, i) => deliver(sync, userCreatedEvent(u), `msg_r${round}_${i}`)),
        )
        expect(results.filter((r) => r.status !== 200).map((r) => r.message)).toEqual([])
      }
      expect(
        Object.values(await store.countUsersByRole()).reduce((a, b) => (a ?? 0) + (b ?? 0), 0),
      ).toBe(450)
    })

    it('keeps 30 users deleted while their updates, a bulk backfill and the deletes all race', async () => {
      await emptyTables(database.raw, ['clerk_sync_users'])
      const store = drizzleStore(database.db)
      const sync = createClerkSync({ signingSecret: secret, store, logger: silentLogger })
      const users = Array.from({ length: 30 }, () => clerkUser({ updatedAt: Date.UTC(2026, 0, 1) }))
      const created = await Promise.all(
        users.map((u, i) => deliver(sync, userUpdatedEvent(u), `msg_c${i}`)),
      )
      expect(created.map((r) => r.outcome)).toEqual(users.map(() => 'applied'))
      const racing = [
        ...users.map((u, i) =>
          deliver(sync, userUpdatedEvent({ ...u, updated_at: u.updated_at + 500 }), `msg_u${i}`),
        ),
        ...users.map((u, i) => deliver(sync, userDeletedEvent(u.id), `msg_d${i}`)),
        sync.store.upsertUsers({
          users: await Promise.all(
            users.map((u) => sync.toSyncedUser({ ...u, updated_at: u.updated_at + 100 })),
          ),
          origin: { source: 'backfill', actor: null },
        }),
      ]
      const results = await Promise.all(racing)
      expect(results.slice(0, 60).filter((r) => 'status' in r && r.status !== 200)).toEqual([])
      for (const u of users) expect(await store.getUser(u.id)).toBeNull()
      expect((await store.listUsers()).users).toEqual([])
    })
  })
}
