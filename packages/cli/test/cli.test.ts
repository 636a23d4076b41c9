import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { generateSigningSecret } from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebhookApp, type WebhookApp } from './support/webhook-app.js'

const pkg = resolve(import.meta.dirname, '..')
const source = join(pkg, 'src/cli.ts')
const built = join(pkg, 'dist/cli.js')
const tsx = pathToFileURL(join(pkg, 'node_modules/tsx/dist/loader.mjs')).href

/** The CLI from its TypeScript source, as a separate node process (tsx, source condition). */
function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@clerk-sync/source', '--import', tsx, source, ...args],
    {
      env: {
        ...process.env,
        ...env,
        CLERK_WEBHOOK_SIGNING_SECRET: env.CLERK_WEBHOOK_SIGNING_SECRET ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function finish(child: ChildProcess): Promise<Run> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

const cli = (args: string[], env?: Record<string, string>) => finish(start(args, env))

describe('clerk-sync CLI, run as a subprocess', () => {
  const secret = generateSigningSecret()
  let app: WebhookApp
  const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-cli-'))
  const file = (name: string, value: unknown) => {
    const path = join(dir, name)
    writeFileSync(path, JSON.stringify(value))
    return path
  }

  beforeAll(async () => {
    app = await startWebhookApp(secret)
  })
  afterAll(() => app.close())

  it.each([
    [['--help'], /Usage: clerk-sync <command>/],
    [['help', 'trigger'], /Usage: clerk-sync trigger/],
    [['emulator', '--help'], /Usage: clerk-sync emulator/],
    [['trigger', '-h'], /--data <file>/],
    [['check', '--help'], /deliberately wrong signature/],
    [['backfill', '--help'], /Usage: clerk-sync backfill[\s\S]*--restart[\s\S]*130 interrupted/],
    [['reconcile', '--help'], /Usage: clerk-sync reconcile[\s\S]*3 refused to tombstone/],
    [['help', 'import-legacy'], /Usage: clerk-sync import-legacy[\s\S]*legacyUsers/],
    [['prune', '--help'], /Usage: clerk-sync prune[\s\S]*cron/],
    [['--version'], /^0\.\d+\.\d+/],
  ])('%j prints help and exits 0', async (args, pattern) => {
    const run = await cli(args)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(pattern)
  })

  it.each([
    [[], /Usage: clerk-sync/],
    [['deploy'], /unknown command "deploy"/],
    [
      ['trigger', 'user.created', '--url', 'http://127.0.0.1:1/x', '--nope'],
      /Unknown option '--nope'/,
    ],
    [['trigger', 'user.created', '--secret', 'whsec_MTIz'], /--url is required/],
    [['trigger', 'user.created', '--url', 'http://127.0.0.1:1/x'], /--secret is required/],
    [
      ['trigger', 'session.created', '--url', 'http://127.0.0.1:1/x', '--secret', 'whsec_MTIz'],
      /unknown event/,
    ],
    [['trigger', 'user.created', '--url', 'ftp://x', '--secret', 'whsec_MTIz'], /http\(s\) URL/],
    [['trigger', 'user.created', '--url', 'http://127.0.0.1:1/x', '--secret', 'nope'], /whsec_/],
    [['emulator', '--port', 'eighty'], /--port must be a whole number/],
    [['emulator', '--duplicate-rate', '2'], /--duplicate-rate must be a number from 0 to 1/],
    [['backfill'], /no config file: looked for clerk-sync\.config\.ts/],
    [['reconcile', '--json'], /no config file/],
    [['backfill', '--page-size', '501'], /--page-size must be a whole number from 1 to 500/],
    [['backfill', '--resume', '--restart'], /--resume and --restart exclude each other/],
    [['reconcile', '--force'], /--force only matters with --apply/],
    [['import-legacy', 'now'], /unexpected argument "now"/],
  ])('%j is a usage error: exit 2', async (args, pattern) => {
    const run = await cli(args)
    expect(run.code).toBe(2)
    expect(run.stdout + run.stderr).toMatch(pattern)
  })

  it('triggers a realistic user.created that a real app applies (plain output)', async () => {
    const run = await cli([
      'trigger',
      'user.created',
      '--url',
      app.url,
      '--secret',
      secret,
      '--user-id',
      'user_cli1',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^user\.created msg_\w+ \(user user_cli1\) → http:\/\/127\.0\.0\.1/)
    expect(run.stdout).toMatch(/HTTP 200 OK in \d+ ms/)
    expect(run.stdout).toContain('"outcome":"applied"')
    const user = await app.store.getUser('user_cli1')
    expect(user?.email).toMatch(/@example\.com$/)
    expect(user?.firstName).toBe('Ada')
  })

  it('takes the secret from CLERK_WEBHOOK_SIGNING_SECRET and overrides data fields with --data (JSON output)', async () => {
    const data = file('fields.json', { first_name: 'Grace', public_metadata: { role: 'admin' } })
    const run = await cli(
      [
        'trigger',
        'user.updated',
        '--url',
        app.url,
        '--user-id',
        'user_cli1',
        '--data',
        data,
        '--json',
      ],
      {
        CLERK_WEBHOOK_SIGNING_SECRET: secret,
      },
    )
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      type: 'user.updated',
      userId: 'user_cli1',
    })
    expect(result.responseBody.outcome).toBe('applied')
    expect(result.messageId).toMatch(/^msg_/)
    expect(await app.store.getUser('user_cli1')).toMatchObject({
      firstName: 'Grace',
      role: 'admin',
    })
  })

  it('sends a whole event from --data as is, and refuses one of another type', async () => {
    const event = {
      data: { object: 'user', id: 'user_cli1', deleted: true },
      object: 'event',
      type: 'user.deleted',
      timestamp: Date.now(),
      instance_id: 'ins_cli',
      event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'cli test' } },
    }
    const path = file('deleted.json', event)
    const wrong = await cli([
      'trigger',
      'user.created',
      '--url',
      app.url,
      '--secret',
      secret,
      '--data',
      path,
    ])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/holds a user\.deleted event/)
    const run = await cli([
      'trigger',
      'user.deleted',
      '--url',
      app.url,
      '--secret',
      secret,
      '--data',
      path,
      '--json',
    ])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).responseBody.outcome).toBe('applied')
    expect(await app.store.getUser('user_cli1')).toBeNull()
  })

  it('exits 1 when the app refuses the event or cannot be reached, 2 when --data is unreadable', async () => {
    const badSecret = await cli([
      'trigger',
      'user.created',
      '--url',
      app.url,
      '--secret',
      generateSigningSecret(),
      '--json',
    ])
    expect(badSecret.code).toBe(1)
    expect(JSON.parse(badSecret.stdout)).toMatchObject({ ok: false, status: 400 })
    // A port the OS just handed out and that nothing listens on any more.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const refused = await cli([
      'trigger',
      'user.created',
      '--url',
      `http://127.0.0.1:${closedPort}/x`,
      '--secret',
      secret,
    ])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/No answer: ECONNREFUSED/)
    const missing = await cli([
      'trigger',
      'user.created',
      '--url',
      app.url,
      '--secret',
      secret,
      '--data',
      join(dir, 'none.json'),
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/cannot read .*ENOENT/)
  })

  it('check: exit 0 against a real clerk-sync app, which writes nothing', async () => {
    const before = (await app.store.listUsers({ limit: 100 })).users.length
    const run = await cli(['check', '--url', app.url])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^OK .* → HTTP 400\nclerk-sync answered and refused the unsigned probe/,
    )
    expect((await app.store.listUsers({ limit: 100 })).users.length).toBe(before)
  })

  it("check and trigger explain answers that are not clerk-sync's: an auth guard, a wrong path, no server", async () => {
    // An app whose own guard (getAuth(req).userId || 401, as Clerk's Express docs show) runs first.
    const guard = createServer((req, res) =>
      req.url === '/api/webhooks'
        ? res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}')
        : res.writeHead(404).end('Not Found'),
    )
    await new Promise<void>((resolve) => guard.listen(0, '127.0.0.1', resolve))
    const guarded = `http://127.0.0.1:${(guard.address() as AddressInfo).port}`
    try {
      const blocked = await cli(['check', '--url', `${guarded}/api/webhooks`, '--json'])
      expect(blocked.code).toBe(1)
      const result = JSON.parse(blocked.stdout)
      expect(result).toMatchObject({ ok: false, verdict: 'not-clerk-sync', status: 401 })
      expect(result.explanation).toContain('Next.js: Keep the webhook route out of auth checks')

      const wrongPath = await cli(['check', '--url', `${guarded}/api/webhook`])
      expect(wrongPath.code).toBe(1)
      expect(wrongPath.stdout).toMatch(
        /^PROBLEM .* → HTTP 404\nSomething other than clerk-sync answered 404/,
      )

      const triggered = await cli([
        'trigger',
        'user.created',
        '--url',
        `${guarded}/api/webhooks`,
        '--secret',
        secret,
      ])
      expect(triggered.code).toBe(1)
      expect(triggered.stdout).toContain('Something other than clerk-sync answered 401')
    } finally {
      await new Promise((resolve) => guard.close(resolve))
    }
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const unreachable = await cli(['check', '--url', `http://127.0.0.1:${closedPort}/x`, '--json'])
    expect(unreachable.code).toBe(1)
    expect(JSON.parse(unreachable.stdout)).toMatchObject({
      ok: false,
      verdict: 'unreachable',
      error: 'ECONNREFUSED',
    })
    expect((await cli(['check'])).code).toBe(2)
  })

  it('runs the emulator until SIGTERM; a user created through its API reaches the app', async () => {
    const child = start([
      'emulator',
      '--port',
      '0',
      '--webhook-url',
      app.url,
      '--signing-secret',
      secret,
      '--json',
    ])
    const done = finish(child)
    const lines: Array<Record<string, unknown>> = []
    const waitFor = (kind: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${kind} line`)), 10_000)
        const check = () => {
          const line = lines.find((l) => l.kind === kind)
          if (line) {
            clearTimeout(timer)
            resolve(line)
          } else setTimeout(check, 20)
        }
        check()
      })
    let buffer = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const parts = buffer.split('\n')
      buffer = parts.pop()!
      for (const part of parts) if (part.trim()) lines.push(JSON.parse(part))
    })
    const started = await waitFor('started')
    expect(started).toMatchObject({ signingSecret: secret, webhookUrls: [app.url] })
    expect(started.secretKey).toMatch(/^sk_test_/)
    expect(started.publishableKey).toMatch(/^pk_test_/)
    expect(started.jwtKey).toMatch(/BEGIN PUBLIC KEY/)

    const response = await fetch(`${started.apiUrl}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${started.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email_address: ['emulated@example.com'] }),
    })
    expect(response.status).toBe(200)
    const { id } = (await response.json()) as { id: string }
    const delivery = await waitFor('delivery')
    expect(delivery).toMatchObject({ eventType: 'user.created', status: 200, ok: true, attempt: 1 })
    expect((await app.store.getUser(id))?.email).toBe('emulated@example.com')

    child.kill('SIGTERM')
    const run = await done
    expect(run.code).toBe(0)
    expect(lines.at(-1)).toMatchObject({ kind: 'stopped', signal: 'SIGTERM' })
  })

  it('exits 1 when the emulator cannot listen (port taken)', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as AddressInfo
    const run = await cli(['emulator', '--port', String(port)])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/could not start: .*EADDRINUSE/)
    await new Promise((resolve) => blocker.close(resolve))
  })

  // `pnpm test` builds first; a bare `vitest run` may not have, so this one needs dist/.
  it.runIf(existsSync(built))('works as the built bin (shebang, ESM bundle)', async () => {
    const run = await finish(
      spawn(
        process.execPath,
        [built, 'trigger', 'user.created', '--url', app.url, '--secret', secret, '--json'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    )
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, status: 200 })
  })
})
