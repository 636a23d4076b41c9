import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClerkClient } from '@clerk/backend'
import { applyMigrations } from '@clerk-sync/drizzle'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnBoundChild, stopChild } from '../../../test-support/bound-child-process.js'
import { freePort } from '../../../test-support/http.js'

const appDir = fileURLToPath(new URL('..', import.meta.url))
const cliBin = fileURLToPath(new URL('../../../packages/cli/dist/cli.js', import.meta.url))
const nextBin = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next')

/**
 * `next <args>` bound to this process (test-support/bound-child-process.ts): should the test end
 * without afterAll (a hook that timed out, a worker torn down), neither a build nor the server
 * lives on.
 */
function runNext(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawnBoundChild([nextBin, ...args], { cwd: appDir, env })
}

let clerk: ClerkEmulator
let base: string
/** The origin a browser would use (`localhost`, as Clerk's middleware rewrites): the app's APP_URL. */
let appOrigin: string
let server: ChildProcess | undefined
let dir: string
let sqlite: Database.Database
const output: string[] = []

beforeAll(async () => {
  clerk = await startClerkEmulator()
  dir = mkdtempSync(join(tmpdir(), 'clerk-sync-next-'))
  const databasePath = join(dir, 'app.db')
  sqlite = new Database(databasePath)
  await applyMigrations(drizzle(sqlite))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  appOrigin = `http://localhost:${port}`
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    CLERK_TELEMETRY_DISABLED: '1',
    DATABASE_PATH: databasePath,
    CLERK_WEBHOOK_SIGNING_SECRET: clerk.signingSecret,
    CLERK_SECRET_KEY: clerk.secretKey,
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_API_URL: clerk.apiUrl,
    // As .env.example recommends: set-role then refuses a token minted for another origin.
    APP_URL: appOrigin,
  }
  const build = runNext(['build'], env)
  build.stdout?.on('data', (d) => output.push(String(d)))
  build.stderr?.on('data', (d) => output.push(String(d)))
  const code = await new Promise<number | null>((resolve) => build.on('exit', resolve))
  if (code !== 0) throw new Error(`next build failed:\n${output.join('')}`)
  // No --hostname: Clerk's middleware rewrites to localhost, which must then reach the server.
  server = runNext(['start', '--port', String(port)], env)
  server.stdout?.on('data', (d) => output.push(String(d)))
  server.stderr?.on('data', (d) => output.push(String(d)))
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      await fetch(`${base}/api/webhooks`)
      break
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`next start never answered:\n${output.join('')}`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  clerk.addWebhookEndpoint(`${base}/api/webhooks`)
}, 240_000)

// Each cleanup runs even if one before it threw; the server gets SIGKILL if SIGTERM is not enough.
afterAll(async () => {
  try {
    if (server) await stopChild(server)
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
  role: string
}
const userRow = (id: string) =>
  sqlite.prepare('select id, email, role from clerk_sync_users where id = ?').get(id) as
    | UserRow
    | undefined
const count = (table: string) =>
  (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n

function post(path: string, body: string, headers: Record<string, string>) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual', // as Svix: a redirect is an answer
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
}

function signed(user = clerkUser(), secret = clerk.signingSecret) {
  const body = JSON.stringify(userCreatedEvent(user))
  return { user, body, headers: signWebhook({ secret, body }) }
}

function checkRoute(
  path: string,
): Promise<{ code: number | null; result: Record<string, unknown> }> {
  const child = spawn(process.execPath, [cliBin, 'check', '--url', `${base}${path}`, '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, result: JSON.parse(stdout) })),
  )
}

describe('App Router route (Node runtime) after next build / next start', () => {
  it('applies a signed delivery to the database, answers its retry as duplicate, refuses a forged one', async () => {
    const { user, body, headers } = signed()
    const first = await post('/api/webhooks', body, headers)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    expect(userRow(user.id)).toMatchObject({ id: user.id, role: 'client' })

    const retry = await post('/api/webhooks', body, headers)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ outcome: 'duplicate' })

    const forged = signed(clerkUser(), generateSigningSecret())
    const refused = await post('/api/webhooks', forged.body, forged.headers)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ code: 'SIGNATURE_INVALID' })
    expect(userRow(forged.user.id)).toBeUndefined()
  })

  it('keeps the database in step with what the emulator delivers (created, role change, deleted)', async () => {
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const created = await api.users.createUser({ emailAddress: ['flow@example.com'] })
    await api.users.updateUserMetadata(created.id, { publicMetadata: { role: 'trainer' } })
    await clerk.flush()
    expect(userRow(created.id)).toMatchObject({ email: 'flow@example.com', role: 'trainer' })
    await api.users.deleteUser(created.id)
    await clerk.flush()
    expect(userRow(created.id)).toBeUndefined()
    const failed = clerk.deliveries().filter((attempt) => !attempt.ok)
    expect(failed).toEqual([])
  })
})

describe('Pages Router route after next build / next start', () => {
  it('applies a signed delivery with bodyParser off', async () => {
    const { user, body, headers } = signed()
    const response = await post('/api/pages-webhooks', body, headers)
    expect(response.status).toBe(200)
    expect(userRow(user.id)).toMatchObject({ id: user.id })
  })

  it('answers 413 to a chunked body over the cap (1 MiB) and writes nothing', async () => {
    const before = count('clerk_sync_events')
    const big = new TextEncoder().encode(`{"pad":"${'x'.repeat(1_100_000)}"}`)
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < big.length; at += 64 * 1024)
          controller.enqueue(big.slice(at, at + 64 * 1024))
        controller.close()
      },
    })
    const response = await fetch(`${base}/api/pages-webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: clerk.signingSecret, body: 'x' }),
      },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(count('clerk_sync_events')).toBe(before)
  })

  it('answers 500 naming `export const config` when Next parsed the body first, and writes nothing', async () => {
    const { user, body, headers } = signed()
    const response = await post('/api/parsed-webhooks', body, headers)
    expect(response.status).toBe(500)
    const answer = (await response.json()) as { code: string; message: string }
    expect(answer.code).toBe('BODY_ALREADY_PARSED')
    expect(answer.message).toContain('export const config = { api: { bodyParser: false } }')
    expect(userRow(user.id)).toBeUndefined()
  })
})

describe('App Router route on the Edge runtime', () => {
  it('is built as an Edge function, not a Node one', () => {
    const manifest = JSON.parse(
      readFileSync(join(appDir, '.next/server/middleware-manifest.json'), 'utf8'),
    ) as { functions: Record<string, unknown> }
    expect(Object.keys(manifest.functions)).toContain('/api/edge-webhooks/route')
    expect(Object.keys(manifest.functions)).not.toContain('/api/webhooks/route')
  })

  it('verifies and applies a signed delivery, answers its retry as duplicate, refuses a forged one', async () => {
    const { body, headers } = signed()
    const first = await post('/api/edge-webhooks', body, headers)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    expect(await (await post('/api/edge-webhooks', body, headers)).json()).toMatchObject({
      outcome: 'duplicate',
    })
    const forged = signed(clerkUser(), generateSigningSecret())
    expect((await post('/api/edge-webhooks', forged.body, forged.headers)).status).toBe(400)
  })
})

describe('clerkMiddleware in front of webhook routes', () => {
  it("answers in clerk-sync's place on a route left out of the public list, and `clerk-sync check` says so", async () => {
    const { user, body, headers } = signed()
    const blocked = await post('/api/unlisted-webhooks', body, headers)
    // What Svix would see: a redirect to sign-in, counted as a failed attempt.
    expect(blocked.status).toBeGreaterThanOrEqual(300)
    expect(blocked.headers.get('x-clerk-auth-status')).toBe('signed-out')
    expect(userRow(user.id)).toBeUndefined()

    const check = await checkRoute('/api/unlisted-webhooks')
    expect(check.code).toBe(1)
    expect(check.result).toMatchObject({ ok: false, verdict: 'protected', status: blocked.status })
    expect(String(check.result.explanation)).toContain(
      'do not call auth.protect() in the webhook route',
    )
  })

  it('`clerk-sync check` passes on the public routes and writes nothing', async () => {
    const events = count('clerk_sync_events')
    for (const path of ['/api/webhooks', '/api/pages-webhooks', '/api/edge-webhooks']) {
      const check = await checkRoute(path)
      expect({ path, ...check.result }).toMatchObject({
        path,
        ok: true,
        verdict: 'ok',
        status: 400,
      })
      expect(check.code).toBe(0)
    }
    expect(count('clerk_sync_events')).toBe(events)
    // The Pages route without `config` is clerk-sync's own error, named as such.
    const parsed = await checkRoute('/api/parsed-webhooks')
    expect(parsed.result).toMatchObject({ verdict: 'clerk-sync-error', status: 500 })
  })
})

describe('set-role route with the default auth() behind clerkMiddleware, emulator session tokens', () => {
  let admin: string
  let member: string
  let target: string
  beforeAll(async () => {
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    admin = (
      await api.users.createUser({
        emailAddress: ['boss@example.com'],
        publicMetadata: { role: 'admin' },
      })
    ).id
    member = (await api.users.createUser({ emailAddress: ['member@example.com'] })).id
    target = (await api.users.createUser({ emailAddress: ['target@example.com'] })).id
    await clerk.flush()
  })

  const setRole = (
    token: string | undefined,
    body: unknown = { targetUserId: target, role: 'trainer' },
    contentType = 'application/json',
  ) =>
    fetch(`${base}/api/admin/set-role`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': contentType,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  it("answers 401 without a session, with an expired one, one signed by another key, or another origin's", async () => {
    for (const token of [
      undefined,
      clerk.sessionToken(admin, {}, { state: 'expired' }),
      clerk.sessionToken(admin, {}, { state: 'wrong-key' }),
      clerk.sessionToken(admin, { azp: 'https://evil.example' }),
    ]) {
      const response = await setRole(token)
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } })
    }
    expect(clerk.user(target)?.public_metadata.role).toBeUndefined()
  })

  it('answers 403 to a signed-in non-admin', async () => {
    const response = await setRole(clerk.sessionToken(member))
    expect(response.status).toBe(403)
    expect(clerk.user(target)?.public_metadata.role).toBeUndefined()
  })

  it("keeps core's JSON-only and body-cap rules: 415 for text/plain, 413 over 4 KiB", async () => {
    const token = clerk.sessionToken(admin)
    expect(
      (
        await setRole(
          token,
          JSON.stringify({ targetUserId: target, role: 'trainer' }),
          'text/plain',
        )
      ).status,
    ).toBe(415)
    expect(
      (await setRole(token, { targetUserId: target, role: 'trainer', pad: 'x'.repeat(5000) }))
        .status,
    ).toBe(413)
  })

  it('answers 200 to an admin (from the allowed origin): Clerk, the database and the audit all agree', async () => {
    const response = await setRole(clerk.sessionToken(admin, { azp: appOrigin }))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      success: true,
      user: { id: target, role: 'trainer' },
    })
    expect(clerk.user(target)?.public_metadata.role).toBe('trainer')
    expect(userRow(target)).toMatchObject({ role: 'trainer' })
    const audit = sqlite
      .prepare(
        'select actor, from_role, to_role, source from clerk_sync_role_audit where target_user_id = ? order by id desc',
      )
      .get(target)
    expect(audit).toMatchObject({
      actor: admin,
      from_role: 'client',
      to_role: 'trainer',
      source: 'api',
    })
  })
})
