import {
  type ClerkSyncError,
  createClerkSync,
  ErrorCode,
  silentLogger,
  webhookResponseBody,
} from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  webhookBodyText,
} from '@clerk-sync/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
import { checkSchemaOnce, guardStore } from '../../core/src/sync/guarded-store.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import {
  mysqlDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

const skipPg = await postgresUnavailable()
const skipMysql = await mysqlUnavailable()

const engines = [
  { name: 'postgres (pg)', skip: skipPg, open: () => postgresDatabase('pg') },
  { name: 'mariadb (mysql2)', skip: skipMysql, open: () => mysqlDatabase() },
  { name: 'sqlite (better-sqlite3)', skip: false as const, open: async () => sqliteDatabase() },
]

describe.each(engines)('drizzleStore over a database never migrated: $name', ({ skip, open }) => {
  let database: TestDatabase
  afterEach(async () => {
    await database?.close()
  })

  it.skipIf(Boolean(skip))(
    'says "run applyMigrations(db)" at start-up, answers STORE_NOT_MIGRATED, and works once migrated',
    async () => {
      database = await open()
      const store = drizzleStore(database.db, { logger: silentLogger })
      const checked = await store.checkSchema().then(
        () => null,
        (error: ClerkSyncError) => error,
      )
      expect(checked?.code).toBe(ErrorCode.STORE_NOT_MIGRATED)
      expect(checked?.message).toMatch(
        /^Table clerk_sync_events does not exist in the database the store was given: run applyMigrations\(db\)/,
      )

      // What core does at start-up: one error line naming the fix.
      const startup = captureLogger()
      await checkSchemaOnce(guardStore(store), startup.logger)
      expect(startup.lines).toEqual([`error ${checked?.message}`])

      // A delivery meanwhile: 500 with the typed code, the fix in the app's log.
      const secret = generateSigningSecret()
      const log = captureLogger()
      const sync = createClerkSync({ signingSecret: secret, store, logger: log.logger })
      const deliver = (body: string) =>
        sync.processWebhook({ body, headers: signWebhook({ secret, body }) })
      const body = webhookBodyText(userCreatedEvent(clerkUser()))
      const failed = await deliver(body)
      expect(failed).toMatchObject({ status: 500, code: ErrorCode.STORE_NOT_MIGRATED })
      expect(webhookResponseBody(failed).code).toBe(ErrorCode.STORE_NOT_MIGRATED)
      expect(log.lines.join('\n')).toMatch(/run applyMigrations\(db\)/)

      await applyMigrations(database.db)
      await expect(store.checkSchema()).resolves.toBeUndefined()
      expect((await deliver(body)).outcome).toBe('applied')
    },
  )

  it.skipIf(Boolean(skip))(
    'names the app’s own users table, not clerk-sync’s migration, when that one is missing',
    async () => {
      database = await open()
      await applyMigrations(database.db)
      await database.raw.query('DROP TABLE clerk_sync_users')
      const store = drizzleStore(database.db, { logger: silentLogger })
      await expect(store.getUser('user_x')).rejects.toMatchObject({
        code: ErrorCode.STORE_NOT_MIGRATED,
        message: expect.stringMatching(/^Table clerk_sync_users does not exist/),
      })
    },
  )

  it.skipIf(Boolean(skip))(
    'reports any other driver error with its code once, not twice',
    async () => {
      database = await open()
      await applyMigrations(database.db)
      // An error no translation knows: a CHECK the store's insert breaks (SQLite cannot add one
      // to a table, so there a column the insert names is dropped; its error text is not the
      // "no such column" of a schema that is behind).
      await database.raw.query(
        database.raw.dialect === 'sqlite'
          ? 'ALTER TABLE clerk_sync_events DROP COLUMN type'
          : "ALTER TABLE clerk_sync_events ADD CONSTRAINT clerk_sync_test_refuse CHECK (type = 'none')",
      )
      const secret = generateSigningSecret()
      const log = captureLogger()
      const sync = createClerkSync({
        signingSecret: secret,
        store: drizzleStore(database.db, { logger: silentLogger }),
        logger: log.logger,
      })
      const body = webhookBodyText(userCreatedEvent(clerkUser()))
      const result = await sync.processWebhook({ body, headers: signWebhook({ secret, body }) })
      expect(result).toMatchObject({ status: 500, code: ErrorCode.STORE_FAILED })
      const codes = /\(([0-9A-Z_]+)\)/g
      const named = [...result.message.matchAll(codes)].map((m) => m[1])
      expect(named.length).toBeGreaterThan(0)
      expect(new Set(named).size).toBe(named.length)
    },
  )
})
