/**
 * An existing app with its own users (own ids, password hashes, posts) moves sign-in to Clerk:
 * `importLegacyUsers` over `drizzleLegacyUsers`, against the emulator through the real
 * `@clerk/backend` client, with the app's webhook endpoint (clerk-sync over the same table) live.
 * Each creation fires `user.created` at the app: whichever lands first, the import's link-back or
 * the webhook, the app ends with one row per user and no 5xx.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createClerkClient } from '@clerk/backend'
import {
  createClerkSync,
  importLegacyUsers,
  type LegacyUserSource,
  silentLogger,
} from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import { isEmailVerified } from '@clerk-sync/core/store-kit'
import {
  type AnyDatabase,
  applyMigrations,
  drizzleLegacyUsers,
  drizzleStore,
} from '@clerk-sync/drizzle'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { argon2id, argon2Verify, bcrypt, bcryptVerify } from 'hash-wasm'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import {
  mysqlUnavailable,
  mysqlUrl,
  postgresUnavailable,
  postgresUrl,
  runScopedName,
} from '../../test-support/databases.js'
import { listenOnLoopback } from '../../test-support/http.js'

// drizzle-orm and better-sqlite3 are @clerk-sync/drizzle's (dev) dependencies, not the root's: load
// the very copies its source imports (drizzle's ESM build), so tables and database are one kind.
const fromDrizzlePackage = createRequire(
  new URL('../../packages/store-drizzle/package.json', import.meta.url),
)
const drizzleRoot = dirname(fromDrizzlePackage.resolve('drizzle-orm'))
const drizzleModule = (subpath: string) =>
  import(pathToFileURL(join(drizzleRoot, subpath, 'index.js')).href)
const Database = fromDrizzlePackage('better-sqlite3') as typeof import('better-sqlite3')
const { pgTable, serial, text, boolean } = (await drizzleModule(
  'pg-core',
)) as typeof import('drizzle-orm/pg-core')
const {
  sqliteTable,
  integer,
  blob,
  text: sqliteText,
} = (await drizzleModule('sqlite-core')) as typeof import('drizzle-orm/sqlite-core')
const { drizzle: drizzlePg } = (await drizzleModule(
  'node-postgres',
)) as typeof import('drizzle-orm/node-postgres')
const {
  mysqlTable,
  int,
  varchar,
  boolean: myBoolean,
} = (await drizzleModule('mysql-core')) as typeof import('drizzle-orm/mysql-core')
const { drizzle: drizzleMysql } = (await drizzleModule(
  'mysql2',
)) as typeof import('drizzle-orm/mysql2')
const { drizzle: drizzleSqlite } = (await drizzleModule(
  'better-sqlite3',
)) as typeof import('drizzle-orm/better-sqlite3')

/** The app's users table: its own serial id, a nullable unique clerk_id, a password hash. */
const pgUsers = pgTable('users', {
  id: serial('id').primaryKey(),
  clerkId: text('clerk_id').unique(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  firstName: text('first_name'),
  lastName: text('last_name'),
  role: text('role').notNull().default('client'),
  passwordHash: text('password_hash'),
})
const sqliteUsers = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  clerkId: sqliteText('clerk_id').unique(),
  email: sqliteText('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  firstName: sqliteText('first_name'),
  lastName: sqliteText('last_name'),
  role: sqliteText('role').notNull().default('client'),
  passwordHash: sqliteText('password_hash'),
})
const mysqlUsers = mysqlTable('users', {
  id: int('id').primaryKey().autoincrement(),
  clerkId: varchar('clerk_id', { length: 191 }).unique(),
  email: varchar('email', { length: 255 }).notNull().unique(),
  emailVerified: myBoolean('email_verified').notNull().default(false),
  firstName: varchar('first_name', { length: 255 }),
  lastName: varchar('last_name', { length: 255 }),
  role: varchar('role', { length: 32 }).notNull().default('client'),
  passwordHash: varchar('password_hash', { length: 255 }),
})
type UsersTable = typeof pgUsers | typeof sqliteUsers | typeof mysqlUsers

const ddl = {
  pg: [
    `CREATE TABLE users (id serial PRIMARY KEY, clerk_id text UNIQUE, email text NOT NULL UNIQUE,
      email_verified boolean NOT NULL DEFAULT false, first_name text, last_name text,
      role text NOT NULL DEFAULT 'client', password_hash text)`,
    'CREATE TABLE posts (id serial PRIMARY KEY, author_id integer NOT NULL REFERENCES users(id), title text NOT NULL)',
  ],
  mysql: [
    `CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, clerk_id varchar(191) UNIQUE,
      email varchar(255) NOT NULL UNIQUE, email_verified boolean NOT NULL DEFAULT false,
      first_name varchar(255), last_name varchar(255), role varchar(32) NOT NULL DEFAULT 'client',
      password_hash varchar(255))`,
    'CREATE TABLE posts (id int AUTO_INCREMENT PRIMARY KEY, author_id int NOT NULL, title varchar(255) NOT NULL, FOREIGN KEY (author_id) REFERENCES users(id))',
  ],
  sqlite: [
    `CREATE TABLE users (id integer PRIMARY KEY AUTOINCREMENT, clerk_id text UNIQUE, email text NOT NULL UNIQUE,
      email_verified integer NOT NULL DEFAULT 0, first_name text, last_name text,
      role text NOT NULL DEFAULT 'client', password_hash text)`,
    'CREATE TABLE posts (id integer PRIMARY KEY AUTOINCREMENT, author_id integer NOT NULL REFERENCES users(id), title text NOT NULL)',
  ],
}

interface AppDatabase {
  db: AnyDatabase
  table: UsersTable
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

async function openPostgres(): Promise<AppDatabase> {
  const schema = runScopedName('legacy_import')
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  const pool = new pg.Pool({
    connectionString: postgresUrl,
    options: `-c search_path=${schema}`,
    max: 8,
  })
  pool.on('error', () => {})
  for (const statement of ddl.pg) await pool.query(statement)
  return {
    db: drizzlePg(pool),
    table: pgUsers,
    query: async (sql, params = []) => {
      let n = 0
      return (
        await pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows
    },
    async close() {
      await pool.end()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    },
  }
}

async function openMariadb(): Promise<AppDatabase> {
  const name = runScopedName('legacy_import')
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const pool = mysql.createPool({ uri: mysqlUrl, database: name, connectionLimit: 8 })
  for (const statement of ddl.mysql) await pool.query(statement)
  return {
    db: drizzleMysql(pool),
    table: mysqlUsers,
    query: async (sql, params = []) => {
      const [rows] = await pool.query(sql, params)
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []
    },
    async close() {
      await pool.end()
      await admin.query(`DROP DATABASE ${name}`)
      await admin.end()
    },
  }
}

async function openSqlite(): Promise<AppDatabase> {
  const sqlite = new Database(':memory:')
  for (const statement of ddl.sqlite) sqlite.exec(statement)
  return {
    db: drizzleSqlite(sqlite),
    table: sqliteUsers,
    query: async (sql, params = []) => {
      const statement = sqlite.prepare(sql)
      if (!statement.reader) {
        statement.run(...params)
        return []
      }
      return statement.all(...params) as Record<string, unknown>[]
    },
    close: async () => sqlite.close(),
  }
}

const salt = () => new Uint8Array(randomBytes(16))
const passwords = { ada: 'analytical engine', grace: 'compile everything', alan: 'no password' }

/** The app before the move: three users, one without a password, each with a post. */
async function seedApp(app: AppDatabase): Promise<void> {
  const adaHash = await bcrypt({
    password: passwords.ada,
    salt: salt(),
    costFactor: 4,
    outputType: 'encoded',
  })
  const graceHash = await argon2id({
    password: passwords.grace,
    salt: salt(),
    parallelism: 1,
    iterations: 2,
    memorySize: 64,
    hashLength: 32,
    outputType: 'encoded',
  })
  const insert =
    'INSERT INTO users (email, email_verified, first_name, last_name, role, password_hash) VALUES (?, ?, ?, ?, ?, ?)'
  const t = app.table === pgUsers
  await app.query(insert, ['ada@example.com', t ? true : 1, 'Ada', 'Lovelace', 'admin', adaHash])
  await app.query(insert, [
    'grace@example.com',
    t ? false : 0,
    'Grace',
    'Hopper',
    'trainer',
    graceHash,
  ])
  await app.query(insert, ['alan@example.com', t ? true : 1, 'Alan', null, 'client', null])
  for (const row of await app.query('SELECT id FROM users ORDER BY id')) {
    await app.query('INSERT INTO posts (author_id, title) VALUES (?, ?)', [
      row.id,
      `post ${row.id}`,
    ])
  }
}

const targets = [
  { name: 'PostgreSQL', open: openPostgres, skip: await postgresUnavailable() },
  { name: 'MariaDB', open: openMariadb, skip: await mysqlUnavailable() },
  { name: 'SQLite', open: openSqlite, skip: false as const },
]

type Order = 'link-back first' | 'webhook first'

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`importLegacyUsers into Clerk, then the webhook · ${target.name}`, () => {
    let app: AppDatabase | undefined
    let emulator: ClerkEmulator | undefined
    let server: Server | undefined
    afterEach(async () => {
      await emulator?.close()
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
      await app?.close()
      app = emulator = server = undefined
    })

    async function scenario(order: Order) {
      app = await target.open()
      await applyMigrations(app.db)
      await seedApp(app)
      const table = app.table
      const legacyUsers = drizzleLegacyUsers(app.db, {
        table,
        columns: {
          appId: table.id,
          clerkId: table.clerkId,
          email: table.email,
          emailVerified: table.emailVerified,
          firstName: table.firstName,
          lastName: table.lastName,
          role: table.role,
          passwordDigest: table.passwordHash,
        },
      })
      // Deliveries one at a time, so "held" and "first" mean what they say.
      emulator = await startClerkEmulator({ concurrency: 1, timeScale: 1e-4 })
      const steps: string[] = []
      const webhookDone = new Map<string, () => void>()
      const webhookSeen = new Map<string, Promise<void>>()
      const seen = (clerkId: string) => {
        if (!webhookSeen.has(clerkId)) {
          webhookSeen.set(
            clerkId,
            new Promise<void>((resolve) => webhookDone.set(clerkId, resolve)),
          )
        }
        return webhookSeen.get(clerkId) as Promise<void>
      }
      const sync = createClerkSync({
        signingSecret: emulator.signingSecret,
        store: drizzleStore(app.db, {
          users: {
            table,
            columns: {
              id: table.clerkId,
              email: table.email,
              firstName: table.firstName,
              lastName: table.lastName,
              role: table.role,
            },
          },
        }),
        logger: silentLogger,
        linkLegacyUser: legacyUsers.link,
        onEvent: (result) => {
          if (result.eventType !== 'user.created' || !result.userId) return
          steps.push(`webhook ${result.userId} ${result.status}`)
          void seen(result.userId)
          webhookDone.get(result.userId)?.()
        },
      })
      // Link-back first: the app holds every delivery until the import has finished.
      let openGate = () => {}
      const gate =
        order === 'link-back first'
          ? new Promise<void>((resolve) => {
              openGate = resolve
            })
          : Promise.resolve()
      server = createServer(async (req, res) => {
        await gate
        await handleNodeWebhook(sync, req, res)
      })
      const port = await listenOnLoopback(server)
      emulator.addWebhookEndpoint(`http://127.0.0.1:${port}/webhooks/clerk`)

      // Webhook first: the import's link-back waits until the app has handled the user's webhook.
      const source: LegacyUserSource = {
        [Symbol.asyncIterator]: () => legacyUsers[Symbol.asyncIterator](),
        async link(appId, clerkId) {
          if (order === 'webhook first') await seen(clerkId)
          steps.push(`link ${clerkId}`)
          await legacyUsers.link(appId, clerkId)
        },
      }
      const clerk = createClerkClient({
        apiUrl: emulator.apiUrl,
        secretKey: emulator.secretKey,
        telemetry: { disabled: true },
      })
      const result = await importLegacyUsers({ clerk, source, apply: true })
      openGate()
      await emulator.flush({ timeoutMs: 20_000 })
      return { app, emulator, clerk, sync, result, steps, legacyUsers }
    }

    for (const order of ['link-back first', 'webhook first'] as const) {
      it(`${order}: one row per user, every delivery 2xx, posts kept, re-run a no-op`, async () => {
        const { app, emulator, clerk, sync, result, steps, legacyUsers } = await scenario(order)
        expect(result).toMatchObject({ dryRun: false, scanned: 3, created: 3, linked: 3 })
        expect(result.conflicts).toBe(0)

        const clerkUsers = emulator.users()
        expect(clerkUsers).toHaveLength(3)
        for (const user of clerkUsers) {
          const [link, webhook] = [`link ${user.id}`, `webhook ${user.id} 200`]
          expect(steps).toContain(link)
          expect(steps).toContain(webhook)
          const first = order === 'link-back first' ? link : webhook
          const second = order === 'link-back first' ? webhook : link
          expect(steps.indexOf(first)).toBeLessThan(steps.indexOf(second))
        }
        const deliveries = emulator.deliveries()
        expect(deliveries.length).toBeGreaterThanOrEqual(3)
        expect(deliveries.filter((d) => !d.ok)).toEqual([])

        const rows = await app.query(
          'SELECT id, clerk_id, email, first_name, role FROM users ORDER BY id',
        )
        expect(rows).toHaveLength(3)
        for (const row of rows) {
          const user = clerkUsers.find((u) => u.external_id === String(row.id))
          expect(user, `Clerk user for app user ${row.id}`).toBeDefined()
          expect(row.clerk_id).toBe(user?.id)
          expect(user?.email_addresses[0]?.email_address).toBe(row.email)
          expect((await sync.store.getUser(String(row.clerk_id)))?.email).toBe(row.email)
        }
        const posts = await app.query(
          'SELECT p.title FROM posts p JOIN users u ON u.id = p.author_id ORDER BY p.id',
        )
        expect(posts).toHaveLength(3)

        const byEmail = (email: string) =>
          clerkUsers.find((u) => u.email_addresses[0]?.email_address === email)
        expect(byEmail('ada@example.com')).toMatchObject({ public_metadata: { role: 'admin' } })
        expect(byEmail('grace@example.com')?.email_addresses[0]).toMatchObject({
          reserved: true,
          verification: null,
        })
        expect(byEmail('ada@example.com')?.email_addresses[0]?.verification).toMatchObject({
          status: 'verified',
        })
        const ada = emulator.passwordDigest(byEmail('ada@example.com')?.id ?? '')
        const grace = emulator.passwordDigest(byEmail('grace@example.com')?.id ?? '')
        expect(ada?.hasher).toBe('bcrypt')
        expect(grace?.hasher).toBe('argon2id')
        expect(await bcryptVerify({ password: passwords.ada, hash: ada?.digest ?? '' })).toBe(true)
        expect(await argon2Verify({ password: passwords.grace, hash: grace?.digest ?? '' })).toBe(
          true,
        )
        expect(emulator.passwordDigest(byEmail('alan@example.com')?.id ?? '')).toBeNull()

        const again = await importLegacyUsers({ clerk, source: legacyUsers, apply: true })
        expect(again).toMatchObject({ scanned: 0, created: 0, linked: 0, conflicts: 0 })
        expect(emulator.users()).toHaveLength(3)
        expect(await app.query('SELECT id FROM users')).toHaveLength(3)

        // A Clerk user made elsewhere whose external_id is no id of this app (not even a number):
        // linkLegacyUser finds no row, and the webhook inserts the user as any other.
        await clerk.users.createUser({
          externalId: 'crm-7f3a',
          emailAddress: ['newcomer@example.com'],
          skipPasswordRequirement: true,
        })
        await emulator.flush({ timeoutMs: 20_000 })
        expect(emulator.deliveries().filter((d) => !d.ok)).toEqual([])
        expect(await app.query('SELECT id FROM users')).toHaveLength(4)
      })
    }

    it('drizzleLegacyUsers pages by app id while rows are linked under it, each unlinked row once', async () => {
      app = await target.open()
      await seedApp(app)
      const table = app.table
      const columns = { appId: table.id, clerkId: table.clerkId, email: table.email }
      const source = drizzleLegacyUsers(app.db, { table, columns, pageSize: 2 })
      const yielded: string[] = []
      for await (const user of source) {
        yielded.push(user.appId)
        // As the import does: link each row while the scan is still going.
        await source.link(user.appId, `user_${user.appId}`)
        await source.link(user.appId, 'user_second_link_changes_nothing')
      }
      const ids = (await app.query('SELECT id, clerk_id FROM users ORDER BY id')).map((r) => ({
        id: String(r.id),
        clerkId: r.clerk_id,
      }))
      expect(yielded).toEqual(ids.map((r) => r.id))
      expect(ids.every((r) => r.clerkId === `user_${r.id}`)).toBe(true)
      expect(await source[Symbol.asyncIterator]().next()).toMatchObject({ done: true })

      expect(() =>
        drizzleLegacyUsers(app?.db as AnyDatabase, {
          table,
          columns: { ...columns, clerkId: table.email },
        }),
      ).toThrow(/must be nullable/)
      expect(() =>
        drizzleLegacyUsers(app?.db as AnyDatabase, {
          table,
          columns: { ...columns, appId: table.firstName },
        }),
      ).toThrow(/primary key or unique/)
    })

    it('without linkLegacyUser the webhook-first order is what goes wrong: that is why it exists', async () => {
      app = await target.open()
      await applyMigrations(app.db)
      await seedApp(app)
      const table = app.table
      const sync = createClerkSync({
        signingSecret: generateSigningSecret(),
        store: drizzleStore(app.db, {
          users: { table, columns: { id: table.clerkId, email: table.email } },
        }),
        logger: silentLogger,
        groupCommit: false,
      })
      const [ada] = await app.query("SELECT id FROM users WHERE email = 'ada@example.com'")
      // The webhook for Ada's new Clerk account, before any link-back: the app cannot tell it is Ada.
      const synced = await sync.toSyncedUser({
        id: 'user_ada',
        email_addresses: [{ id: 'idn_1', email_address: 'ada@example.com' }],
        primary_email_address_id: 'idn_1',
        external_id: String(ada?.id),
        updated_at: Date.now(),
      })
      await expect(
        sync.store.upsertUser({
          user: synced,
          event: { id: 'msg_1', type: 'user.created', receivedAt: new Date() },
          origin: { source: 'webhook', actor: null },
        }),
      ).rejects.toMatchObject({ code: 'STORE_CONFLICT' })
    })
  })
}

describe('drizzleLegacyUsers: which "email verified" values count as verified', () => {
  // One column per way an app may keep it: text (a flag or a timestamp), bigint mode, integer.
  const flags = sqliteTable('flags', {
    id: integer('id').primaryKey(),
    clerkId: sqliteText('clerk_id'),
    email: sqliteText('email').notNull(),
    asText: sqliteText('as_text'),
    asBigint: blob('as_bigint', { mode: 'bigint' }),
    asInteger: integer('as_integer'),
  })

  async function verifiedBy(
    column: 'asText' | 'asBigint' | 'asInteger',
    values: unknown[],
  ): Promise<boolean[]> {
    const sqlite = new Database(':memory:')
    try {
      sqlite.exec(
        'CREATE TABLE flags (id integer PRIMARY KEY, clerk_id text, email text NOT NULL, as_text text, as_bigint blob, as_integer integer)',
      )
      const db = drizzleSqlite(sqlite)
      for (const [i, value] of values.entries()) {
        await db.insert(flags).values({ id: i + 1, email: `u${i}@example.com`, [column]: value })
      }
      const source = drizzleLegacyUsers(db as unknown as AnyDatabase, {
        table: flags,
        columns: {
          appId: flags.id,
          clerkId: flags.clerkId,
          email: flags.email,
          emailVerified: flags[column],
        },
      })
      const verified: boolean[] = []
      for await (const user of source) verified.push(user.emailVerified === true)
      return verified
    } finally {
      sqlite.close()
    }
  }

  it('text: only a date or a datetime counts; "0", "false", "", "1", "yes" and a zero date do not', async () => {
    const yes = [
      '2024-01-02',
      '2024-01-02 03:04:05',
      '2024-01-02T03:04:05.123Z',
      '2024-01-02 03:04:05.123456+00',
    ]
    const no = [
      '0',
      'false',
      '',
      '  ',
      '1',
      'true',
      'yes',
      '0000-00-00 00:00:00',
      '2024-13-45',
      null,
    ]
    expect(await verifiedBy('asText', [...yes, ...no])).toEqual([
      ...yes.map(() => true),
      ...no.map(() => false),
    ])
  })

  it('bigint mode: 1n counts, 0n does not; integer: 1 counts, 0 and 2 do not', async () => {
    expect(await verifiedBy('asBigint', [1n, 0n, null])).toEqual([true, false, false])
    expect(await verifiedBy('asInteger', [1, 0, 2, null])).toEqual([true, false, false, false])
  })

  it('the rule itself: true, 1, 1n, a valid Date, a timestamp text; nothing else', () => {
    const yes: unknown[] = [
      true,
      1,
      1n,
      new Date('2024-01-02T03:04:05Z'),
      '2024-01-02T03:04:05+01:00',
    ]
    const no: unknown[] = [
      false,
      0,
      0n,
      2n,
      -1,
      Number.NaN,
      new Date(Number.NaN),
      null,
      undefined,
      '0',
      'false',
      '',
      'Tue, 02 Jan 2024',
      {},
      [],
    ]
    for (const value of yes) expect(isEmailVerified(value), String(value)).toBe(true)
    for (const value of no) expect(isEmailVerified(value), String(value)).toBe(false)
  })
})
