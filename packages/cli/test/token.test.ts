import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClerkClient } from '@clerk/backend'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './support/run-cli.js'

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** What clerkMiddleware does with `Authorization: Bearer`, networkless, as the app is set up. */
async function signedInUser(clerk: ClerkEmulator, token: string) {
  const app = createClerkClient({
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    jwtKey: clerk.jwtKey,
    telemetry: { disabled: true },
  })
  const state = await app.authenticateRequest(
    new Request('http://localhost:3000/api/admin/set-role', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    }),
  )
  return { userId: state.toAuth()?.userId ?? null, claims: state.toAuth()?.sessionClaims }
}

describe('clerk-sync token, against a running emulator', () => {
  let clerk: ClerkEmulator
  let userId: string
  // Flags or env: nothing inherited from the machine running the tests.
  const noEnv = { CLERK_API_URL: '', CLERK_SECRET_KEY: '' }

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    userId = clerk.seedUsers([{ emails: ['admin@example.com'], role: 'admin' }])[0]!.id
  })
  afterAll(() => clerk.close())

  it('prints only the token, which the app’s Clerk middleware signs the user in with', async () => {
    const run = await runCli(
      [
        'token',
        userId,
        '--api-url',
        clerk.apiUrl,
        '--secret-key',
        clerk.secretKey,
        '--claims',
        '{"metadata":{"role":"admin"}}',
      ],
      { env: noEnv },
    )
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const token = run.stdout.trim()
    expect(run.stdout).toBe(`${token}\n`)
    expect(token).toMatch(JWT)
    const auth = await signedInUser(clerk, token)
    expect(auth.userId).toBe(userId)
    expect(auth.claims).toMatchObject({ metadata: { role: 'admin' } })
  })

  it('finds the emulator through CLERK_API_URL and CLERK_SECRET_KEY; --json says more', async () => {
    const run = await runCli(['token', userId, '--json', '--expires-in', '3600'], {
      env: { CLERK_API_URL: clerk.apiUrl, CLERK_SECRET_KEY: clerk.secretKey },
    })
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({
      ok: true,
      userId,
      source: 'emulator',
      token: expect.stringMatching(JWT),
    })
    const expires = Date.parse(result.expiresAt)
    expect(expires - Date.now()).toBeGreaterThan(3000 * 1000)
    expect((await signedInUser(clerk, result.token)).userId).toBe(userId)
  })

  it('an unknown user: exit 1, said plainly, nothing on stdout', async () => {
    const run = await runCli(
      ['token', 'user_nobody', '--api-url', clerk.apiUrl, '--secret-key', clerk.secretKey],
      { env: noEnv },
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(
      `clerk-sync token: no user user_nobody in the emulator at ${clerk.apiUrl}`,
    )
  })

  it('a wrong secret key: exit 1, naming the fix', async () => {
    const run = await runCli(
      ['token', userId, '--api-url', clerk.apiUrl, '--secret-key', 'sk_test_wrong'],
      { env: noEnv },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/refused the secret key: pass the one it printed/)
  })

  it('no emulator there, or something else answering: exit 1, each explained', async () => {
    const other: Server = createServer((_, res) => res.writeHead(404).end('Not Found'))
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
    try {
      const notEmulator = await runCli(
        ['token', userId, '--api-url', otherUrl, '--secret-key', 'sk_test_x'],
        {
          env: noEnv,
        },
      )
      expect(notEmulator.code).toBe(1)
      expect(notEmulator.stderr).toContain(
        `${otherUrl} is not a clerk-sync emulator, or one older than this clerk-sync (it answered 404`,
      )
    } finally {
      await new Promise((resolve) => other.close(resolve))
    }
    const nobody = await runCli(
      ['token', userId, '--api-url', otherUrl, '--secret-key', 'sk_test_x'],
      {
        env: noEnv,
      },
    )
    expect(nobody.code).toBe(1)
    // Closed a moment ago, the port is free for anyone: another test worker may listen on it by
    // now, which the command explains as well.
    expect(nobody.stderr).toMatch(
      /no emulator answered at .* \(ECONNREFUSED\)\. Start one with "clerk-sync emulator"|is not a clerk-sync emulator/,
    )
  })

  it.each([
    [['token'], /name the user: clerk-sync token <userId>/],
    [['token', 'user_a', 'user_b'], /unexpected argument "user_b"/],
    [
      ['token', 'user_a'],
      /say where the emulator is: --api-url \(or CLERK_API_URL\), or --state FILE/,
    ],
    [['token', 'user_a', '--api-url', 'http://127.0.0.1:1'], /--secret-key is required/],
    [
      ['token', 'user_a', '--api-url', 'ftp://x', '--secret-key', 'sk_test_x'],
      /--api-url must be an http\(s\) URL/,
    ],
    [['token', 'user_a', '--state', 'x.json', '--claims', '[1]'], /--claims must be a JSON object/],
    [
      ['token', 'user_a', '--state', 'x.json', '--claims', '{"sub":"user_admin","exp":1}'],
      /--claims may not set sub, exp: the emulator sets sub, iss, iat, nbf, exp, jti/,
    ],
    [
      ['token', 'user_a', '--state', 'x.json', '--claims', '{nope'],
      /--claims must be a JSON object/,
    ],
    [
      ['token', 'user_a', '--state', 'x.json', '--expires-in', '0'],
      /--expires-in must be a whole number from 1/,
    ],
    [
      ['token', 'user_a', '--state', '/nonexistent/state.json'],
      /there is no emulator state file at \/nonexistent\/state\.json/,
    ],
  ])('%j is a usage error: exit 2', async (args, pattern) => {
    const run = await runCli(args, { env: noEnv })
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(pattern)
  })

  it('prints its help', async () => {
    const run = await runCli(['token', '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /Usage: clerk-sync token <userId>[\s\S]*TOKEN=\$\(npx clerk-sync token/,
    )
  })
})

describe('clerk-sync token --state, signing offline', () => {
  it('signs from the emulator’s state file: the running emulator’s key verifies it', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'clerk-sync-token-')), 'emulator.json')
    const clerk = await startClerkEmulator({ statePath })
    try {
      const [user] = clerk.seedUsers([{ emails: ['offline@example.com'] }])
      await expect.poll(() => readFileSync(statePath, 'utf8').includes(user!.id)).toBe(true)
      const run = await runCli(['token', user!.id, '--state', statePath, '--json'])
      expect(run.code).toBe(0)
      const result = JSON.parse(run.stdout)
      expect(result).toMatchObject({ ok: true, userId: user!.id, source: 'state' })
      expect((await signedInUser(clerk, result.token)).userId).toBe(user!.id)

      const unknown = await runCli(['token', 'user_nobody', '--state', statePath])
      expect(unknown.code).toBe(1)
      expect(unknown.stderr).toContain(
        `no user user_nobody in the emulator state file ${statePath}`,
      )
    } finally {
      await clerk.close()
    }
    writeFileSync(statePath, '{"kind": "clerk-sync-emulator-state", "version": 9}')
    const damaged = await runCli(['token', 'user_x', '--state', statePath])
    expect(damaged.code).toBe(2)
    expect(damaged.stderr).toContain(`the emulator state file ${statePath} has version 9`)
  })
})
