import { type ClerkSyncError, createClerkSync, ErrorCode } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userUpdatedEvent,
  webhookBodyText,
} from '@clerk-sync/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { checkSchemaOnce, guardStore } from '../../core/src/sync/guarded-store.js'
import { prismaStore } from '../src/index.js'
import {
  applyShippedMigration,
  migrationStatements,
  postgresDatabase,
  shippedMigrations,
  type TestDatabase,
} from './support/connections.js'

const skipPg = await postgresUnavailable()
const T = Date.UTC(2026, 5, 1)

/** A database as @clerk-sync/prisma's first release left it: only 0000_clerk_sync, with data. */
async function atFirstRelease(database: TestDatabase): Promise<void> {
  await applyShippedMigration(database.raw, 'postgresql', '0000_clerk_sync')
  const at = `to_timestamp(${T / 1000})`
  await database.raw.query(
    `INSERT INTO clerk_sync_users (id, email, role, created_at, updated_at) VALUES ('user_old', 'old@example.com', 'member', ${at}, ${at})`,
  )
  await database.raw.query(
    `INSERT INTO clerk_sync_user_state (user_id, version, deleted_at, role) VALUES ('user_old', ${T}, NULL, 'member'), ('user_gone', ${T}, ${at}, 'member')`,
  )
}

describe.skipIf(Boolean(skipPg))('a Postgres database one migration behind the store', () => {
  let database: TestDatabase | undefined
  afterEach(async () => {
    await database?.close()
  })

  it('is reported as behind at start-up and on writes, then upgraded in place with its rows kept', async () => {
    database = await postgresDatabase({ migrate: false })
    await atFirstRelease(database)
    const store = prismaStore(database.prisma, database.storeOptions)

    const checked = await store.checkSchema().then(
      () => null,
      (error: ClerkSyncError) => error,
    )
    expect(checked?.code).toBe(ErrorCode.STORE_NOT_MIGRATED)
    expect(checked?.message).toMatch(
      /^Column prev_role does not exist in the database the store was given: the database is behind this version of @clerk-sync\/prisma\. Apply its newer migration \(migrations\/postgresql\/0001_prev_role\/migration\.sql: /,
    )
    const startup = captureLogger()
    await checkSchemaOnce(guardStore(store), startup.logger)
    expect(startup.lines).toEqual([`error ${checked?.message}`])

    // A delivery answers 500 (Svix retries it once the migration has run), recording nothing.
    const secret = generateSigningSecret()
    const sync = createClerkSync({ signingSecret: secret, store, logger: captureLogger().logger })
    const clerk = clerkUser({
      id: 'user_old',
      emails: ['old@example.com'],
      role: 'admin',
      updatedAt: T + 1000,
    })
    const body = webhookBodyText(userUpdatedEvent(clerk))
    const headers = signWebhook({ secret, body, id: 'msg_upgrade' })
    expect(await sync.processWebhook({ body, headers })).toMatchObject({
      status: 500,
      code: ErrorCode.STORE_NOT_MIGRATED,
    })
    expect(await database.raw.query('SELECT id FROM clerk_sync_events')).toEqual([])

    const later = shippedMigrations('postgresql').slice(1)
    expect(later).toEqual(['0001_prev_role'])
    for (const name of later) {
      for (const statement of migrationStatements('postgresql', name))
        await database.raw.query(statement)
    }
    await expect(store.checkSchema()).resolves.toBeUndefined()

    // The rows written before the upgrade still guard and audit; Svix's retry now applies.
    expect(await sync.processWebhook({ body, headers })).toMatchObject({
      status: 200,
      outcome: 'applied',
      previousRole: 'member',
      role: 'admin',
    })
    expect((await store.listAuditEntries()).entries).toMatchObject([
      { targetUserId: 'user_old', fromRole: 'member', toRole: 'admin', eventId: 'msg_upgrade' },
    ])
    const user = (await store.getUser('user_old'))!
    expect(user).toMatchObject({ email: 'old@example.com', role: 'admin' })
    expect(
      (
        await store.upsertUser({
          user: { ...user, id: 'user_gone', updatedAt: new Date(T + 2000) },
          origin: { source: 'webhook', actor: null },
        })
      ).outcome,
    ).toBe('stale')
  })
})
