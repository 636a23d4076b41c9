import type { DeletePolicy, SyncedUser } from '@clerk-sync/core'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  mysqlUnavailable,
  mysqlUrl,
  postgresUnavailable,
  postgresUrl,
  runScopedName,
} from '../../../test-support/databases.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import { appDdl, leftAtDdl, membersLeavingOption, mysqlApp, pgApp } from './support/app-schema.js'

/**
 * A delete that keeps the row ('soft', 'anonymize') sends as many statements as one that deletes
 * it: the row's UPDATE takes the DELETE's place (on Postgres, the second of two statements).
 * Counted on the store's one connection, every query it runs.
 */
const T = Date.UTC(2026, 3, 1)
const user = (id: string): SyncedUser<string> => ({
  id,
  email: `${id}@example.com`,
  firstName: 'Ada',
  lastName: 'Lovelace',
  username: 'ada',
  phone: '+15555550100',
  imageUrl: null,
  role: 'member',
  createdAt: new Date(T),
  updatedAt: new Date(T),
})
const policies: DeletePolicy[] = ['delete', 'soft', 'anonymize']
const origin = { source: 'webhook' as const, actor: null }

type Target = {
  name: string
  skip: string | false
  open(): Promise<{
    db: Parameters<typeof drizzleStore>[0]
    app: typeof pgApp | typeof mysqlApp
    sent: string[]
    close(): Promise<void>
  }>
}

const targets: Target[] = [
  {
    name: 'PostgreSQL 15 · node-postgres',
    skip: await postgresUnavailable(),
    async open() {
      const schema = runScopedName('clerk_sync_test')
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      await admin.query(`CREATE SCHEMA ${schema}`)
      const client = new pg.Client({
        connectionString: postgresUrl,
        options: `-c search_path=${schema}`,
      })
      await client.connect()
      const db = drizzlePg(client)
      await applyMigrations(db)
      for (const statement of [...appDdl.pg, leftAtDdl.pg]) await client.query(statement)
      const sent: string[] = []
      const query = client.query.bind(client) as (...args: unknown[]) => unknown
      ;(client as unknown as { query: unknown }).query = (...args: unknown[]) => {
        const first = args[0] as string | { text: string }
        sent.push(typeof first === 'string' ? first : first.text)
        return query(...args)
      }
      return {
        db,
        app: pgApp,
        sent,
        async close() {
          await client.end()
          await admin.query(`DROP SCHEMA ${schema} CASCADE`)
          await admin.end()
        },
      }
    },
  },
  {
    name: 'MariaDB · mysql2',
    skip: await mysqlUnavailable(),
    async open() {
      const name = runScopedName('clerk_sync_test')
      const admin = await mysql.createConnection({ uri: mysqlUrl })
      await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
      const connection = await mysql.createConnection({ uri: mysqlUrl, database: name })
      const db = drizzleMysql(connection)
      await applyMigrations(db)
      for (const statement of [...appDdl.mysql, leftAtDdl.mysql]) await connection.query(statement)
      const sent: string[] = []
      for (const method of ['query', 'execute'] as const) {
        const original = connection[method].bind(connection) as (...args: unknown[]) => unknown
        ;(connection as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          const first = args[0] as string | { sql: string }
          sent.push(typeof first === 'string' ? first : first.sql)
          return original(...args)
        }
      }
      return {
        db,
        app: mysqlApp,
        sent,
        async close() {
          await connection.end()
          await admin.query(`DROP DATABASE IF EXISTS ${name}`)
          await admin.end()
        },
      }
    },
  },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`statements per delete under each onDelete · ${target.name}`, () => {
    let opened: Awaited<ReturnType<Target['open']>>
    beforeAll(async () => {
      opened = await target.open()
    })
    afterAll(async () => {
      await opened?.close()
    })

    it('sends the same statements for a delete whichever the policy, the DELETE swapped for an UPDATE', async () => {
      const sentFor = new Map<DeletePolicy, string[]>()
      for (const onDelete of policies) {
        const store = drizzleStore(opened.db, {
          users: membersLeavingOption(opened.app),
          onDelete,
        })
        const id = `user_${onDelete}`
        await store.upsertUser({ user: user(id), origin })
        opened.sent.length = 0
        const result = await store.deleteUser({
          userId: id,
          deletedAt: new Date(T + 1000),
          event: { id: `msg_${id}`, type: 'user.deleted', receivedAt: new Date() },
        })
        expect(result.outcome).toBe('applied')
        sentFor.set(onDelete, [...opened.sent])
      }
      const deleted = sentFor.get('delete')!
      const rowStatement = deleted.findIndex((s) => /^delete from [`"]members[`"]/i.test(s.trim()))
      expect(rowStatement, deleted.join('\n')).toBeGreaterThanOrEqual(0)
      for (const onDelete of ['soft', 'anonymize'] as const) {
        const kept = sentFor.get(onDelete)!
        expect(kept.length, kept.join('\n')).toBe(deleted.length)
        expect(kept[rowStatement]).toMatch(/^update [`"]members[`"]/i)
      }
    })
  })
}
