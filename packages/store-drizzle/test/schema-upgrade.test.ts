import { type ClerkSyncError, ErrorCode, silentLogger } from '@clerk-sync/core'
import { describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { applyMigrations, bundledMigrations, drizzleStore, MIGRATIONS_TABLE } from '../src/index.js'
import { createMigrationsTable } from '../src/migrations/migrations-table.js'
import { pgliteDatabase, postgresDatabase, type TestDatabase } from './support/connections.js'

const skipPg = await postgresUnavailable()
const T = Date.UTC(2026, 5, 1)

/** A database as clerk-sync's first release left it: only 0000_clerk_sync applied, with data. */
async function atFirstRelease(database: TestDatabase): Promise<void> {
  const [first] = bundledMigrations.pg
  for (const statement of first!.statements) await database.raw.query(statement)
  await database.raw.query(createMigrationsTable.pg)
  await database.raw.query(
    `INSERT INTO "${MIGRATIONS_TABLE}" (name, applied_at) VALUES ('0000_clerk_sync', now())`,
  )
  await database.raw.query(
    `INSERT INTO clerk_sync_users (id, email, role, created_at, updated_at) VALUES ('user_old', 'old@example.com', 'member', to_timestamp(${T / 1000}), to_timestamp(${T / 1000}))`,
  )
  await database.raw.query(
    `INSERT INTO clerk_sync_user_state (user_id, version, deleted_at, role) VALUES ('user_old', ${T}, NULL, 'member'), ('user_gone', ${T}, to_timestamp(${T / 1000}), 'member')`,
  )
}

const engines = [
  { name: 'PostgreSQL 15 (pg)', skip: skipPg, open: () => postgresDatabase('pg') },
  { name: 'PGlite', skip: false as const, open: () => pgliteDatabase() },
]

describe.each(engines)('a database one migration behind the store: $name', ({ skip, open }) => {
  it.skipIf(Boolean(skip))(
    'is reported as behind at start-up and on writes, then upgraded in place with its rows kept',
    async () => {
      const database = await open()
      try {
        await atFirstRelease(database)
        const store = drizzleStore(database.db, { logger: silentLogger })
        const checked = await store.checkSchema().then(
          () => null,
          (error: ClerkSyncError) => error,
        )
        expect(checked?.code).toBe(ErrorCode.STORE_NOT_MIGRATED)
        expect(checked?.message).toMatch(
          /^Column prev_role does not exist .*behind this version of @clerk-sync\/drizzle\. Run applyMigrations\(db\)/,
        )
        const user = {
          id: 'user_old',
          email: 'old@example.com',
          firstName: null,
          lastName: null,
          username: null,
          phone: null,
          imageUrl: null,
          role: 'admin',
          createdAt: new Date(T),
          updatedAt: new Date(T + 1000),
        }
        const origin = { source: 'webhook' as const, actor: null }
        await expect(store.upsertUser({ user, origin })).rejects.toMatchObject({
          code: ErrorCode.STORE_NOT_MIGRATED,
        })

        const later = bundledMigrations.pg.slice(1).map((m) => m.name)
        expect(later.length).toBeGreaterThan(0)
        expect(await applyMigrations(database.db)).toEqual({ applied: later })
        await expect(store.checkSchema()).resolves.toBeUndefined()

        // The rows written before the upgrade still guard and audit.
        expect(await store.upsertUser({ user, origin })).toEqual({
          outcome: 'applied',
          previousRole: 'member',
          created: false,
        })
        expect((await store.listAuditEntries()).entries).toMatchObject([
          { targetUserId: 'user_old', fromRole: 'member', toRole: 'admin' },
        ])
        expect(
          (await store.upsertUser({ user: { ...user, id: 'user_gone' }, origin })).outcome,
        ).toBe('stale')
      } finally {
        await database.close()
      }
    },
  )
})
