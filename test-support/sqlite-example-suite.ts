import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClerkClient } from '@clerk/backend'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ExampleServer, startExampleServer } from './example-server.js'

/** What the suite reads the SQLite file with: the example's own better-sqlite3. */
export interface SqliteReader {
  prepare(sql: string): { get(...params: unknown[]): unknown }
  close(): void
}

export interface SqliteExample {
  /** The framework, for test names: `Hono`. */
  name: string
  /** The example's directory, holding package.json and src/main.ts. */
  appDir: string
  /** Opens the app's database file read-only. */
  openDatabase(path: string): SqliteReader
}

/**
 * The end-to-end test of the SQLite examples (examples/hono, examples/fastify), which promise the
 * same routes: `appDir/src/main.ts` runs in its own process against the emulator, configured by
 * the variables its .env.example names; the emulator delivers the webhooks, @clerk/backend changes
 * users in it, the emulator's session tokens call the app, and the SQLite file is read directly.
 */
export function describeSqliteExample({ name, appDir, openDatabase }: SqliteExample): void {
  let clerk: ClerkEmulator
  let app: ExampleServer
  let dir: string
  let sqlite: SqliteReader

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    dir = mkdtempSync(join(tmpdir(), `clerk-sync-${name.toLowerCase()}-`))
    const databasePath = join(dir, 'app.db')
    // The variables .env.example names for the emulator, as `pnpm start` reads them.
    app = await startExampleServer(appDir, {
      DATABASE_PATH: databasePath,
      CLERK_WEBHOOK_SIGNING_SECRET: clerk.signingSecret,
      CLERK_SECRET_KEY: clerk.secretKey,
      CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
      CLERK_API_URL: clerk.apiUrl,
      CLERK_TELEMETRY_DISABLED: '1',
    })
    clerk.addWebhookEndpoint(`${app.url}/api/webhooks`)
    // The app created the tables at start-up; the test reads what it wrote, from the file.
    sqlite = openDatabase(databasePath)
  })

  // Each cleanup runs even if one before it threw.
  afterAll(async () => {
    try {
      await app?.stop()
    } finally {
      try {
        await clerk?.close()
      } finally {
        sqlite?.close()
        if (dir) rmSync(dir, { recursive: true, force: true })
      }
    }
  })

  interface UserRow {
    id: string
    email: string | null
    first_name: string | null
    role: string
  }
  const userRow = (id: string) =>
    sqlite
      .prepare('select id, email, first_name, role from clerk_sync_users where id = ?')
      .get(id) as UserRow | undefined
  const eventCount = () =>
    (sqlite.prepare('select count(*) as n from clerk_sync_events').get() as { n: number }).n

  const api = () => createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })

  describe(`${name} example: webhooks delivered by the emulator`, () => {
    it('creates, updates and deletes the row as Clerk changes the user', async () => {
      const created = await api().users.createUser({
        emailAddress: ['ada@example.com'],
        firstName: 'Ada',
      })
      await clerk.flush()
      expect(userRow(created.id)).toEqual({
        id: created.id,
        email: 'ada@example.com',
        first_name: 'Ada',
        role: 'client',
      })

      await api().users.updateUser(created.id, { firstName: 'Augusta' })
      await clerk.flush()
      expect(userRow(created.id)).toMatchObject({ first_name: 'Augusta' })

      await api().users.deleteUser(created.id)
      await clerk.flush()
      expect(userRow(created.id)).toBeUndefined()

      const deliveries = clerk.deliveries()
      expect(deliveries.map((attempt) => [attempt.eventType, attempt.status])).toEqual([
        ['user.created', 200],
        ['user.updated', 200],
        ['user.deleted', 200],
      ])
    })

    it('refuses a delivery signed with another secret (400) and writes nothing', async () => {
      const user = clerkUser({ emails: ['forged@example.com'] })
      const body = JSON.stringify(userCreatedEvent(user))
      const events = eventCount()
      const response = await fetch(`${app.url}/api/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signWebhook({ secret: generateSigningSecret(), body }),
        },
        body,
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ code: 'SIGNATURE_INVALID' })
      expect(userRow(user.id)).toBeUndefined()
      expect(eventCount()).toBe(events)
    })
  })

  describe(`${name} example: set-role and GET /users behind Clerk sessions from the emulator`, () => {
    let admin: string
    let member: string
    let target: string
    beforeAll(async () => {
      const users = api().users
      admin = (
        await users.createUser({
          emailAddress: ['boss@example.com'],
          publicMetadata: { role: 'admin' },
        })
      ).id
      member = (await users.createUser({ emailAddress: ['member@example.com'] })).id
      target = (await users.createUser({ emailAddress: ['target@example.com'] })).id
      await clerk.flush()
    })

    const bearer = (userId: string) => ({ authorization: `Bearer ${clerk.sessionToken(userId)}` })
    const setRole = (headers: Record<string, string>, role = 'trainer') =>
      fetch(`${app.url}/api/admin/set-role`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ targetUserId: target, role }),
      })
    const listUsers = (headers: Record<string, string>, query = '') =>
      fetch(`${app.url}/users${query}`, { headers })

    it('refuses a caller without a session (401) and a non-admin (403), changing nothing', async () => {
      expect((await setRole({})).status).toBe(401)
      const refused = await setRole(bearer(member))
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } })
      expect(clerk.user(target)?.public_metadata.role).toBeUndefined()
      expect(userRow(target)).toMatchObject({ role: 'client' })
    })

    it("lets an admin change a role: Clerk's metadata and the row both follow", async () => {
      const response = await setRole(bearer(admin))
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({
        success: true,
        user: { id: target, role: 'trainer' },
      })
      expect(clerk.user(target)?.public_metadata.role).toBe('trainer')
      expect(userRow(target)).toMatchObject({ role: 'trainer' })
      // The user.updated that Clerk sends back agrees with what set-role wrote.
      await clerk.flush()
      expect(userRow(target)).toMatchObject({ role: 'trainer' })
      expect(clerk.deliveries().filter((attempt) => !attempt.ok)).toEqual([])
    })

    it('lists the users of one role to an admin', async () => {
      const ids = async (query: string) => {
        const response = await listUsers(bearer(admin), query)
        expect(response.status).toBe(200)
        const page = (await response.json()) as { users: { id: string; role: string }[] }
        return page.users.map((user) => user.id)
      }
      expect(await ids('?role=trainer')).toEqual([target])
      expect(await ids('?role=admin')).toEqual([admin])
      expect(await ids('?role=client')).toEqual([member])
      expect((await ids('')).sort()).toEqual([admin, member, target].sort())
    })

    it('refuses the list to a caller without a session, a non-admin, and an unknown role', async () => {
      expect((await listUsers({}, '?role=trainer')).status).toBe(401)
      expect((await listUsers(bearer(member), '?role=trainer')).status).toBe(403)
      const unknown = await listUsers(bearer(admin), '?role=owner')
      expect(unknown.status).toBe(400)
      expect(await unknown.json()).toMatchObject({ error: { code: 'invalid_request' } })
      expect((await listUsers(bearer(admin), '?cursor=not-a-cursor!')).status).toBe(400)
    })
  })
}
