/**
 * The example app end to end: a real HTTP server, the emulator delivering signed webhooks and
 * verifying session tokens, on PGlite and on Postgres (skipped with a notice when Postgres is not
 * running; a failure under CI=true).
 */
import { createClerkClient } from '@clerk/backend'
import { clerkSyncEvents } from '@clerk-sync/drizzle/pg'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { count, eq } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postgresUnavailable, postgresUrl, runScopedName } from '../../../test-support/databases.js'
import type { AppConfig } from '../src/config.js'
import { IN_MEMORY } from '../src/db.js'
import { posts, users } from '../src/schema.js'
import { type RunningApp, startApp } from '../src/start-app.js'

// Clerk's SDK announces its telemetry on development instances; the emulator is one.
process.env.CLERK_TELEMETRY_DISABLED = '1'

interface Target {
  name: string
  skip: string | false
  /** The database part of the app's config, and how to drop what the run created. */
  open(): Promise<{
    config: Pick<AppConfig, 'databaseUrl' | 'pgliteDataDir'>
    drop(): Promise<void>
  }>
}

const targets: Target[] = [
  {
    name: 'PGlite (in memory)',
    skip: false,
    open: async () => ({
      config: { databaseUrl: undefined, pgliteDataDir: IN_MEMORY },
      drop: async () => {},
    }),
  },
  {
    name: 'PostgreSQL (node-postgres)',
    skip: await postgresUnavailable(),
    async open() {
      // A schema of its own: the app's `users` and `posts` never meet another run's.
      const schema = runScopedName('express_drizzle')
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      await admin.query(`CREATE SCHEMA ${schema}`).catch(async (error: unknown) => {
        await admin.end()
        throw error
      })
      const url = new URL(postgresUrl)
      url.searchParams.set('options', `-c search_path=${schema}`)
      return {
        config: { databaseUrl: url.toString(), pgliteDataDir: IN_MEMORY },
        async drop() {
          try {
            await admin.query(`DROP SCHEMA ${schema} CASCADE`)
          } finally {
            await admin.end()
          }
        },
      }
    },
  },
]

for (const target of targets) {
  describe.skipIf(target.skip)(`examples/express-drizzle on ${target.name}`, () => {
    let clerk: ClerkEmulator
    let app: RunningApp
    let drop: () => Promise<void> = async () => {}
    const log = captureLogger()

    beforeAll(async () => {
      // Svix's retry schedule run 100,000 times faster: a refused delivery fails the test at once.
      clerk = await startClerkEmulator({ timeScale: 1e-5 })
      const database = await target.open()
      drop = database.drop
      app = await startApp(
        {
          ...database.config,
          port: 0,
          secretKey: clerk.secretKey,
          publishableKey: clerk.publishableKey,
          apiUrl: clerk.apiUrl,
          signingSecret: clerk.signingSecret,
          authorizedParties: undefined,
        },
        { port: 0, host: '127.0.0.1', logger: log.logger },
      )
      clerk.addWebhookEndpoint(`${app.url}/api/webhooks`)
    })
    // Each cleanup runs even if one before it threw: the schema is dropped whatever app.close() did.
    afterAll(async () => {
      try {
        await app?.close()
      } finally {
        try {
          await clerk?.close()
        } finally {
          await drop()
        }
      }
    })

    const clerkApi = () =>
      createClerkClient({
        apiUrl: clerk.apiUrl,
        secretKey: clerk.secretKey,
        telemetry: { disabled: true },
      })
    const row = async (id: string) => (await app.db.select().from(users).where(eq(users.id, id)))[0]
    const postCount = async (userId: string) =>
      (await app.db.select({ n: count() }).from(posts).where(eq(posts.userId, userId)))[0]?.n
    const eventCount = async () => (await app.db.select({ n: count() }).from(clerkSyncEvents))[0]?.n
    const request = (
      path: string,
      init: { method?: string; token?: string; body?: unknown } = {},
    ) =>
      fetch(`${app.url}${path}`, {
        method: init.method ?? 'POST',
        headers: {
          'content-type': 'application/json',
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      })
    /** Creates users in Clerk and waits for their `user.created` to be answered. */
    async function signUp(...people: Array<{ email: string; role?: string }>) {
      const created = await Promise.all(
        people.map((person) =>
          clerkApi().users.createUser({
            emailAddress: [person.email],
            ...(person.role ? { publicMetadata: { role: person.role } } : {}),
          }),
        ),
      )
      await clerk.flush()
      return created.map((user) => user.id)
    }

    it('applies a delivery through the webhook route mounted before express.json(), leaving the app’s own columns alone', async () => {
      const [id] = await signUp({ email: 'webhook@example.com' })
      const delivery = clerk.deliveries().find((attempt) => attempt.eventType === 'user.created')
      // Mounted after express.json(), the route would answer 500 BODY_ALREADY_PARSED.
      expect(delivery).toMatchObject({ status: 200, ok: true })
      expect(JSON.parse(delivery?.responseBody ?? '{}')).toMatchObject({ outcome: 'applied' })
      expect(await row(id as string)).toMatchObject({
        email: 'webhook@example.com',
        role: 'client',
        passwordHash: null,
      })
      await app.db
        .update(users)
        .set({ passwordHash: '$2b$10$legacy' })
        .where(eq(users.id, id as string))
      await clerkApi().users.updateUser(id as string, { firstName: 'Renamed' })
      await clerk.flush()
      expect(await row(id as string)).toMatchObject({
        firstName: 'Renamed',
        passwordHash: '$2b$10$legacy',
      })
    })

    it("lets an admin's Bearer session token set a role: Clerk, the row and the audit log change", async () => {
      const [admin, target] = await signUp(
        { email: 'admin@example.com', role: 'admin' },
        { email: 'target@example.com' },
      )
      const answer = await request('/api/admin/set-role', {
        token: clerk.sessionToken(admin as string),
        body: { targetUserId: target, role: 'trainer' },
      })
      expect(answer.status).toBe(200)
      expect(await answer.json()).toMatchObject({ success: true })
      expect(clerk.user(target as string)?.public_metadata.role).toBe('trainer')
      await clerk.flush()
      expect((await row(target as string))?.role).toBe('trainer')
      const { entries } = await app.sync.store.listAuditEntries({ userId: target as string })
      expect(entries).toEqual([
        expect.objectContaining({
          actor: admin,
          fromRole: 'client',
          toRole: 'trainer',
          source: 'api',
        }),
      ])
      // The user.updated Clerk sent back was answered and added no second entry.
      const echoes = clerk
        .events()
        .filter(
          (event) =>
            event.type === 'user.updated' && (event.payload.data as { id: string }).id === target,
        )
      expect(echoes).toHaveLength(1)
      expect(
        clerk.deliveries().find((attempt) => attempt.messageId === echoes[0]?.messageId)?.status,
      ).toBe(200)
    })

    it('refuses a non-admin with 403 and changes nothing', async () => {
      const [member, target] = await signUp(
        { email: 'member@example.com' },
        { email: 'victim@example.com' },
      )
      const answer = await request('/api/admin/set-role', {
        token: clerk.sessionToken(member as string),
        body: { targetUserId: target, role: 'admin' },
      })
      expect(answer.status).toBe(403)
      expect(clerk.user(target as string)?.public_metadata.role).toBeUndefined()
      expect((await row(target as string))?.role).toBe('client')
      expect((await app.sync.store.listAuditEntries({ userId: target as string })).entries).toEqual(
        [],
      )
      expect(
        (await request('/api/admin/set-role', { body: { targetUserId: target, role: 'admin' } }))
          .status,
      ).toBe(401)
    })

    it('lists users by role for an admin (GET /users?role=), and no one else', async () => {
      const [admin, member] = await signUp(
        { email: 'lister@example.com', role: 'admin' },
        { email: 'listed@example.com' },
      )
      const list = await request('/users?role=admin', {
        method: 'GET',
        token: clerk.sessionToken(admin as string),
      })
      expect(list.status).toBe(200)
      const { users: listed } = (await list.json()) as {
        users: Array<{ id: string; role: string }>
      }
      expect(listed.map((user) => user.id)).toContain(admin)
      expect(listed.every((user) => user.role === 'admin')).toBe(true)
      const get = (path: string, token?: string) =>
        request(path, { method: 'GET', ...(token ? { token } : {}) })
      expect((await get('/users?role=wizard', clerk.sessionToken(admin as string))).status).toBe(
        400,
      )
      expect((await get('/users', clerk.sessionToken(member as string))).status).toBe(403)
      expect((await get('/users')).status).toBe(401)
    })

    it('deletes the row and its posts when Clerk deletes the user', async () => {
      const [author, bystander] = await signUp(
        { email: 'author@example.com' },
        { email: 'bystander@example.com' },
      )
      for (const [userId, title] of [
        [author, 'first'],
        [author, 'second'],
        [bystander, 'kept'],
      ] as const) {
        const created = await request('/posts', {
          token: clerk.sessionToken(userId as string),
          body: { title },
        })
        expect(created.status).toBe(201)
      }
      expect(await postCount(author as string)).toBe(2)
      await clerkApi().users.deleteUser(author as string)
      await clerk.flush()
      expect(await row(author as string)).toBeUndefined()
      expect(await postCount(author as string)).toBe(0)
      expect(await postCount(bystander as string)).toBe(1)
    })

    it('answers a forged webhook 400 and writes nothing', async () => {
      const eventsBefore = await eventCount()
      const intruder = clerkUser({ emails: ['mallory@evil.example'], role: 'admin' })
      const body = JSON.stringify(userCreatedEvent(intruder))
      const answer = await fetch(`${app.url}/api/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signWebhook({ secret: generateSigningSecret(), body }),
        },
        body,
      })
      expect(answer.status).toBe(400)
      expect(await answer.json()).toMatchObject({ code: 'SIGNATURE_INVALID' })
      expect(await row(intruder.id)).toBeUndefined()
      expect(await eventCount()).toBe(eventsBefore)
    })
  })
}
