import {
  type ClerkSyncError,
  createClerkSync,
  ErrorCode,
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
import { prismaStore } from '../src/index.js'
import { isDuplicateKey } from '../src/store-errors.js'
import {
  applyShippedMigration,
  mariadbDatabase,
  postgresDatabase,
  shippedMigrations,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

const skipPg = await postgresUnavailable()
const skipMysql = await mysqlUnavailable()

const engines = [
  { name: 'postgresql', provider: 'postgresql', skip: skipPg, open: postgresDatabase },
  { name: 'mariadb', provider: 'mysql', skip: skipMysql, open: mariadbDatabase },
  { name: 'sqlite', provider: 'sqlite', skip: false as const, open: sqliteDatabase },
] as const

describe.each(engines)('prismaStore errors on $name', ({ provider, skip, open }) => {
  let database: TestDatabase
  afterEach(async () => {
    await database?.close()
  })

  it.skipIf(Boolean(skip))(
    'says to apply the shipped migration at start-up, answers STORE_NOT_MIGRATED, and works once applied',
    async () => {
      database = await open({ migrate: false })
      const store = prismaStore(database.prisma, database.storeOptions)
      const checked = await store.checkSchema!().then(
        () => null,
        (error: ClerkSyncError) => error,
      )
      expect(checked?.code).toBe(ErrorCode.STORE_NOT_MIGRATED)
      expect(checked?.message).toMatch(/^Table clerk_sync_events does not exist/)
      // Every shipped migration, in order (Postgres has 0001_prev_role too).
      expect(checked?.message).toContain(
        shippedMigrations(provider)
          .map((name) => `migrations/${provider}/${name}/migration.sql`)
          .join(', then '),
      )

      const startup = captureLogger()
      await checkSchemaOnce(guardStore(store), startup.logger)
      expect(startup.lines).toEqual([`error ${checked?.message}`])

      const secret = generateSigningSecret()
      const log = captureLogger()
      const sync = createClerkSync({ signingSecret: secret, store, logger: log.logger })
      const body = webhookBodyText(userCreatedEvent(clerkUser()))
      const deliver = () => sync.processWebhook({ body, headers: signWebhook({ secret, body }) })
      const failed = await deliver()
      expect(failed).toMatchObject({ status: 500, code: ErrorCode.STORE_NOT_MIGRATED })
      expect(webhookResponseBody(failed).code).toBe(ErrorCode.STORE_NOT_MIGRATED)
      expect(log.lines.join('\n')).toContain('0000_clerk_sync/migration.sql')

      await applyShippedMigration(database.raw, provider)
      await expect(store.checkSchema!()).resolves.toBeUndefined()
      expect((await deliver()).outcome).toBe('applied')
    },
  )

  it.skipIf(Boolean(skip))(
    'tells a duplicate key from its structured code, not from 1062 in the message',
    async () => {
      database = await open({ migrate: false })
      await applyShippedMigration(database.raw, provider)
      const prisma = database.prisma as unknown as {
        $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>
      }
      const schema = database.storeOptions.schema ? `"${database.storeOptions.schema}".` : ''
      const p = provider === 'postgresql' ? ['$1', '$2', '$3'] : ['?', '?', '?']
      const insert = () =>
        prisma.$executeRawUnsafe(
          `INSERT INTO ${schema}clerk_sync_events (id, type, received_at) VALUES (${p.join(', ')})`,
          'msg_1062',
          'user.created',
          new Date(),
        )
      await insert()
      const duplicate = await insert().then(
        () => null,
        (error: unknown) => error,
      )
      expect(isDuplicateKey(duplicate)).toBe(true)
      // A real error of another kind whose text holds 1062 (the table's name).
      const other = await prisma
        .$executeRawUnsafe(`DELETE FROM ${schema}clerk_sync_1062 WHERE 1 = 0`)
        .then(
          () => null,
          (error: unknown) => error,
        )
      expect(String((other as Error).message)).toContain('1062')
      expect(isDuplicateKey(other)).toBe(false)
    },
  )
})
