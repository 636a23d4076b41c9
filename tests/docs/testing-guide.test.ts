/**
 * The code of docs/testing.md, run: the guide includes this file's regions, and each test asserts
 * the database state the guide states. The app under test is examples/express-drizzle (Express,
 * Drizzle, its own `users` and `posts` tables) on in-memory PGlite; Clerk is the emulator.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { createClerkClient } from '@clerk/backend'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IN_MEMORY } from '../../examples/express-drizzle/src/db.js'
import { posts, users } from '../../examples/express-drizzle/src/schema.js'
import { type RunningApp, startApp } from '../../examples/express-drizzle/src/start-app.js'
import { captureLogger } from '../../test-support/capture-logger.js'
import { postgresUnavailable, postgresUrl, runScopedName } from '../../test-support/databases.js'

const repo = resolve(import.meta.dirname, '../..')
// Clerk's SDK announces its telemetry on development instances; the emulator is one.
process.env.CLERK_TELEMETRY_DISABLED = '1'

// Real Postgres, a schema of this run's own (in-memory PGlite works too, but its initdb takes
// seconds to tens of seconds on a busy machine). Skipped with a notice without Postgres, failed
// under CI=true.
describe.skipIf(await postgresUnavailable())('docs/testing.md', () => {
  let clerk: ClerkEmulator
  let app: RunningApp
  const log = captureLogger()
  const schema = runScopedName('docs_testing')
  const admin = new pg.Client({ connectionString: postgresUrl })
  const databaseUrl = new URL(postgresUrl)
  databaseUrl.searchParams.set('options', `-c search_path=${schema}`)

  // #region row
  /** The app's `users` row for a Clerk id, or undefined (read with the app's own Drizzle schema). */
  async function row(id: string) {
    return (await app.db.select().from(users)).find((user) => user.id === id)
  }
  // #endregion row

  beforeAll(async () => {
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${schema}`)
    // #region start
    // A local Clerk: Svix's 27.6 hours of retries run in about a second.
    clerk = await startClerkEmulator({ timeScale: 1e-5 })
    // Your app, started as in production, with the emulator's keys and signing secret.
    app = await startApp(
      {
        port: 0,
        databaseUrl: databaseUrl.toString(), // a Postgres schema of the test's own
        pgliteDataDir: IN_MEMORY, // used when databaseUrl is unset
        secretKey: clerk.secretKey,
        publishableKey: clerk.publishableKey,
        apiUrl: clerk.apiUrl,
        signingSecret: clerk.signingSecret,
        authorizedParties: undefined,
      },
      { port: 0, host: '127.0.0.1', logger: log.logger },
    )
    // Every user change from now on is delivered to the app's webhook route, signed.
    clerk.addWebhookEndpoint(`${app.url}/api/webhooks`)
    // #endregion start
  })
  afterAll(async () => {
    try {
      await app?.close()
    } finally {
      try {
        await clerk?.close()
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
        await admin.end()
      }
    }
  })

  // #region client
  // The Backend API client your app (or the test) uses, pointed at the emulator.
  const clerkApi = () => createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
  // #endregion client

  let adaId = ''

  it('create: a user signs up in Clerk; the app has a row with the default role', async () => {
    // #region create
    const ada = await clerkApi().users.createUser({
      emailAddress: ['ada@example.com'],
      firstName: 'Ada',
    })
    await clerk.flush() // every webhook answered, or out of retries

    expect(await row(ada.id)).toMatchObject({
      id: ada.id,
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: null,
      role: 'client', // no public_metadata.role: the default role
      passwordHash: null, // the app's own column: never touched by clerk-sync
    })
    // What Clerk sent, and what the app answered.
    expect(clerk.events().map((event) => event.type)).toEqual(['user.created'])
    const [delivery] = clerk.deliveries()
    expect(delivery).toMatchObject({ eventType: 'user.created', attempt: 1, status: 200 })
    expect(JSON.parse(delivery?.responseBody ?? '')).toMatchObject({ outcome: 'applied' })
    // #endregion create
    adaId = ada.id
  })

  it('update: a change in Clerk lands in the row, with Clerk’s updated_at', async () => {
    // #region update
    const updated = await clerkApi().users.updateUser(adaId, { lastName: 'Lovelace' })
    await clerk.flush()

    expect(await row(adaId)).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      updatedAt: new Date(updated.updatedAt), // the version guard's clock is Clerk's
    })
    // #endregion update
  })

  it('role change: public_metadata.role changes the row and writes an audit entry', async () => {
    // #region role-change
    await clerkApi().users.updateUserMetadata(adaId, { publicMetadata: { role: 'trainer' } })
    await clerk.flush()

    expect((await row(adaId))?.role).toBe('trainer')
    const { entries } = await app.sync.store.listAuditEntries({ userId: adaId })
    expect(entries).toEqual([
      expect.objectContaining({ fromRole: 'client', toRole: 'trainer', source: 'webhook' }),
    ])
    // #endregion role-change
    // A role outside the roles is stored as the default role, with a warning in the log.
    // #region unknown-role
    await clerkApi().users.updateUserMetadata(adaId, { publicMetadata: { role: 'owner' } })
    await clerk.flush()
    expect((await row(adaId))?.role).toBe('client')
    // #endregion unknown-role
    expect(log.lines).toContain(
      `warn User ${adaId} has public_metadata.role "owner", which is not one of admin, trainer, client; using "client"`,
    )
  })

  it('role change by an admin: a session token from the emulator calls the set-role route', async () => {
    // #region session-token
    const [boss, bob] = await Promise.all([
      clerkApi().users.createUser({
        emailAddress: ['boss@example.com'],
        publicMetadata: { role: 'admin' },
      }),
      clerkApi().users.createUser({ emailAddress: ['bob@example.com'] }),
    ])
    await clerk.flush()
    const answer = await fetch(`${app.url}/api/admin/set-role`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${clerk.sessionToken(boss.id)}`, // as the browser's __session
        'content-type': 'application/json',
      },
      body: JSON.stringify({ targetUserId: bob.id, role: 'trainer' }),
    })
    expect(answer.status).toBe(200)
    await clerk.flush() // the user.updated Clerk sends back

    expect(clerk.user(bob.id)?.public_metadata.role).toBe('trainer') // Clerk
    expect((await row(bob.id))?.role).toBe('trainer') // the app's row
    const { entries } = await app.sync.store.listAuditEntries({ userId: bob.id })
    expect(entries).toEqual([
      expect.objectContaining({
        actor: boss.id,
        fromRole: 'client',
        toRole: 'trainer',
        source: 'api',
      }),
    ])
    // #endregion session-token
  })

  it('delete: the row goes, its posts cascade, and a late redelivery does not revive it', async () => {
    await app.db.insert(posts).values({ userId: adaId, title: 'Notes on the Analytical Engine' })
    // #region delete
    await clerkApi().users.deleteUser(adaId)
    await clerk.flush()

    expect(await row(adaId)).toBeUndefined()
    // posts.user_id references users.id ON DELETE CASCADE: the app's own rule runs.
    expect((await app.db.select().from(posts)).filter((p) => p.userId === adaId)).toEqual([])
    // #endregion delete

    // #region stale-redelivery
    // An older user.updated arriving late (Svix reorders and retries): signed as Svix would, with
    // a new svix-id, it is skipped as stale. The tombstone keeps the user deleted.
    const isAdaUpdate = (event: { type: string; payload: { data: unknown } }) =>
      event.type === 'user.updated' && (event.payload.data as { id: string }).id === adaId
    const lastUpdate = clerk.events().findLast(isAdaUpdate)
    const body = JSON.stringify(lastUpdate?.payload)
    const answer = await fetch(`${app.url}/api/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: clerk.signingSecret, body }),
      },
      body,
    })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toMatchObject({ outcome: 'stale' })
    expect(await row(adaId)).toBeUndefined()
    // #endregion stale-redelivery
  })

  it('bulk: 20 users created and renamed at once, delivered with duplicates and out of order', async () => {
    // #region bulk
    // A second emulator with Svix's worst habits: 30% of messages sent twice, each held back up
    // to 50 ms (so out of order). It signs with the secret the app already has.
    const chaotic = await startClerkEmulator({
      timeScale: 1e-5,
      signingSecret: clerk.signingSecret,
      duplicateRate: 0.3,
      reorderWindow: 50,
      seed: 16,
      webhookUrl: `${app.url}/api/webhooks`,
    })
    const api = createClerkClient({ apiUrl: chaotic.apiUrl, secretKey: chaotic.secretKey })
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.users.createUser({ emailAddress: [`bulk${i}@example.com`], firstName: 'Before' }),
      ),
    )
    await Promise.all(created.map((user) => api.users.updateUser(user.id, { firstName: 'After' })))
    await chaotic.flush()

    const rows = (await app.db.select().from(users)).filter((u) => u.email?.startsWith('bulk'))
    expect(rows).toHaveLength(20) // one row per user, duplicates or not
    expect(rows.every((u) => u.firstName === 'After')).toBe(true) // the latest version wins
    expect(chaotic.deliveries().some((attempt) => attempt.duplicate)).toBe(true)
    expect(chaotic.deliveries().every((attempt) => attempt.ok)).toBe(true)
    await chaotic.close()
    // #endregion bulk
  })

  it('signing a payload yourself: a fixture user, signed as Svix signs', async () => {
    // #region sign-yourself
    const user = clerkUser({ emails: ['grace@example.com'], publicMetadata: { role: 'admin' } })
    const body = JSON.stringify(userCreatedEvent(user))
    const answer = await fetch(`${app.url}/api/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: clerk.signingSecret, body }),
      },
      body,
    })
    expect(answer.status).toBe(200)
    expect(await row(user.id)).toMatchObject({ email: 'grace@example.com', role: 'admin' })

    // The same bytes signed with another secret: refused before anything is read.
    const forged = await fetch(`${app.url}/api/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: generateSigningSecret(), body }),
      },
      body,
    })
    expect(forged.status).toBe(400)
    expect(await forged.json()).toMatchObject({ outcome: 'rejected', code: 'SIGNATURE_INVALID' })
    // #endregion sign-yourself

    // An older version of the same user, signed and sent after it: stale, the row unchanged.
    const older = userUpdatedEvent({ ...user, first_name: 'Old', updated_at: user.updated_at - 1 })
    const olderBody = JSON.stringify(older)
    const stale = await fetch(`${app.url}/api/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: clerk.signingSecret, body: olderBody }),
      },
      body: olderBody,
    })
    expect(await stale.json()).toMatchObject({ outcome: 'stale' })
    expect((await row(user.id))?.firstName).not.toBe('Old')
  })

  it('the CLI: clerk-sync trigger and clerk-sync token against the running app', async () => {
    const [admin, target] = await Promise.all([
      clerkApi().users.createUser({
        emailAddress: ['cli-admin@example.com'],
        publicMetadata: { role: 'admin' },
      }),
      clerkApi().users.createUser({ emailAddress: ['cli-target@example.com'] }),
    ])
    await clerk.flush()
    const work = mkdtempSync(join(tmpdir(), 'clerk-sync-docs-'))
    try {
      // `npx clerk-sync` runs the CLI from its TypeScript source (no build needed); any other
      // npx call goes to the real npx.
      const realNpx = (await promisify(execFile)('sh', ['-c', 'command -v npx'])).stdout.trim()
      const loader = join(repo, 'packages/cli/node_modules/tsx/dist/loader.mjs')
      writeFileSync(
        join(work, 'npx'),
        `#!/bin/sh\nif [ "$1" = clerk-sync ]; then shift; exec "${process.execPath}" --conditions=@clerk-sync/source --import "file://${loader}" "${join(repo, 'packages/cli/src/cli.ts')}" "$@"; fi\nexec "${realNpx}" "$@"\n`,
        { mode: 0o755 },
      )
      const run = await promisify(execFile)('sh', [join(repo, 'tests/docs/testing-guide-cli.sh')], {
        cwd: work,
        env: {
          ...process.env,
          PATH: `${work}:${process.env.PATH}`,
          APP_URL: app.url,
          CLERK_WEBHOOK_SIGNING_SECRET: clerk.signingSecret,
          CLERK_API_URL: clerk.apiUrl,
          CLERK_SECRET_KEY: clerk.secretKey,
          ADMIN_ID: admin.id,
          TARGET_ID: target.id,
        },
      })
      // trigger: a made-up user created with the trainer role.
      expect(await row('user_cli_1')).toMatchObject({ firstName: 'Cli', role: 'trainer' })
      expect(run.stdout).toContain('HTTP 200 OK')
      // token: the admin's session token let the set-role call through.
      expect(run.stdout).toContain('"success":true')
      await clerk.flush()
      expect((await row(target.id))?.role).toBe('trainer')
      expect(clerk.user(target.id)?.public_metadata.role).toBe('trainer')
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
