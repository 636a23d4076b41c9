import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClerkClient, verifyToken } from '@clerk/backend'
import { generateSigningSecret } from '@clerk-sync/testing'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonLines, started } from './support/emulator-process.js'
import { type CliProcess, runCli, startCli } from './support/run-cli.js'
import { startWebhookApp, type WebhookApp } from './support/webhook-app.js'

const stateFile = () => join(mkdtempSync(join(tmpdir(), 'clerk-sync-state-')), 'emulator.json')

async function stop(cli: CliProcess) {
  cli.child.kill('SIGTERM')
  return cli.result()
}

describe('clerk-sync emulator --state', () => {
  it('keeps keys, signing secret, URL and users across a restart', async () => {
    const statePath = stateFile()
    const first = startCli(['emulator', '--json', '--state', statePath])
    const before = await started(first)
    expect(before).toMatchObject({ statePath, stateRestored: false, users: 0 })
    const api = createClerkClient({ apiUrl: before.apiUrl, secretKey: before.secretKey })
    const { id } = await api.users.createUser({ emailAddress: ['kept@example.com'] })
    expect((await stop(first)).code).toBe(0)
    expect(statSync(statePath).mode & 0o777).toBe(0o600)

    const second = startCli(['emulator', '--json', '--state', statePath])
    try {
      const after = await started(second)
      if (after.apiUrl === before.apiUrl) {
        expect(after.publishableKey).toBe(before.publishableKey)
      } else {
        // Another test worker took the freed port in the meantime: the documented answer is a
        // free one, said on stderr.
        await expect
          .poll(() => second.stderr)
          .toContain(
            `Note: port ${new URL(before.apiUrl).port}, where the last run listened, is taken`,
          )
      }
      expect(after).toMatchObject({
        secretKey: before.secretKey,
        signingSecret: before.signingSecret,
        jwtKey: before.jwtKey,
        instanceId: before.instanceId,
        stateRestored: true,
        users: 1,
      })
      const again = createClerkClient({ apiUrl: after.apiUrl, secretKey: after.secretKey })
      expect((await again.users.getUser(id)).emailAddresses[0]?.emailAddress).toBe(
        'kept@example.com',
      )
      // The token command signs from the same file, and the app's unchanged CLERK_JWT_KEY verifies.
      const token = await runCli(['token', id, '--state', statePath])
      expect(token.code).toBe(0)
      expect((await verifyToken(token.stdout.trim(), { jwtKey: before.jwtKey })).sub).toBe(id)
    } finally {
      await stop(second)
    }
  })

  it('prints where the state is kept and the token command', async () => {
    const statePath = stateFile()
    const cli = startCli(['emulator', '--state', statePath])
    await cli.waitFor(/Ctrl-C to stop/)
    await stop(cli)
    expect(cli.stdout).toContain(`State file       ${statePath} (new)`)
    expect(cli.stdout).toContain(`npx clerk-sync token <user_id> --state ${statePath}`)
  })

  it('without --state, the token command it prints keeps the secret key off the command line', async () => {
    const cli = startCli(['emulator'])
    await cli.waitFor(/Ctrl-C to stop/)
    await stop(cli)
    const secretKey = /Secret key\s+(sk_test_\S+)/.exec(cli.stdout)![1]!
    const tokenLine = cli.stdout.split('\n').find((line) => line.includes('clerk-sync token'))!
    expect(tokenLine).not.toContain(secretKey)
    expect(tokenLine).toContain('with CLERK_API_URL and CLERK_SECRET_KEY set as above')
  })

  it('refuses a second emulator on the same state file: exit 2, naming the first one’s pid', async () => {
    const statePath = stateFile()
    const first = startCli(['emulator', '--json', '--state', statePath])
    try {
      const { pid } = await started(first)
      const second = await runCli(['emulator', '--state', statePath])
      expect(second.code).toBe(2)
      expect(second.stderr).toContain(
        `another emulator (pid ${pid}) is using the state file ${statePath}`,
      )
    } finally {
      expect((await stop(first)).code).toBe(0)
    }
    // Released on exit: the next one starts.
    const third = startCli(['emulator', '--json', '--state', statePath])
    expect(await started(third)).toMatchObject({ stateRestored: true })
    expect((await stop(third)).code).toBe(0)
  })

  it('refuses a damaged state file: exit 2, naming the file and what to do, the file untouched', async () => {
    const statePath = stateFile()
    writeFileSync(statePath, '{"kind":"clerk-sync-emulator-state","version":1,"users":')
    const run = await runCli(['emulator', '--state', statePath])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(
      `clerk-sync emulator: the emulator state file ${statePath} cannot be used: it is not valid JSON`,
    )
    expect(run.stderr).toContain('Move it away (or delete it)')
    expect(readFileSync(statePath, 'utf8')).toBe(
      '{"kind":"clerk-sync-emulator-state","version":1,"users":',
    )
  })
})

describe('a webhook refused with 400, without --state', () => {
  // Apps holding the secret of "an earlier run": not the one this emulator signs with.
  let apps: WebhookApp[]
  beforeAll(async () => {
    apps = await Promise.all([
      startWebhookApp(generateSigningSecret()),
      startWebhookApp(generateSigningSecret()),
    ])
  })
  afterAll(() => Promise.all(apps.map((app) => app.close())))

  async function refusedRun(extra: string[], json = false) {
    const args = [
      'emulator',
      '--time-scale',
      '1e-7',
      ...apps.flatMap((app) => ['--webhook-url', app.url]),
      ...extra,
    ]
    const cli = startCli(json ? [...args, '--json'] : args)
    const apiUrl = json ? (await started(cli)).apiUrl : (await cli.waitFor(/at (http:\S+)/))[1]!
    const secretKey = json
      ? (await started(cli)).secretKey
      : (await cli.waitFor(/CLERK_SECRET_KEY=(\S+)/))[1]!
    const api = createClerkClient({ apiUrl, secretKey })
    await api.users.createUser({ emailAddress: ['refused@example.com'] })
    await api.users.createUser({ emailAddress: ['refused-too@example.com'] })
    // Every attempt of both messages to both endpoints, Svix's eight each, has given up.
    await cli.waitFor(/(gave up[\s\S]*){4}|("final":true[\s\S]*){4}/, 20_000)
    await stop(cli)
    return cli
  }

  it('says once per endpoint that the app may hold an earlier run’s secret, and the current one', async () => {
    const cli = await refusedRun([])
    const secret = /Signing secret\s+(whsec_\S+)/.exec(cli.stdout)![1]!
    // Two messages to two endpoints, eight attempts each: 32 refusals, two hints.
    expect(cli.stdout.match(/attempt \d+.*: 400/g)!.length).toBe(32)
    for (const app of apps) {
      const hints = cli.stderr.split(`Hint: ${app.url} refused the webhook with 400.`).length - 1
      expect(hints, app.url).toBe(1)
    }
    expect(cli.stderr).toContain(
      "If the app's CLERK_WEBHOOK_SIGNING_SECRET is from\nan earlier emulator run",
    )
    expect(cli.stderr).toContain(`  CLERK_WEBHOOK_SIGNING_SECRET=${secret}`)
    expect(cli.stderr).toContain('start the emulator with --state FILE')
  })

  it('as a JSON line with --json', async () => {
    const cli = await refusedRun([], true)
    const hints = jsonLines(cli).filter((line) => line.kind === 'hint')
    expect(hints.map((hint) => hint.url).sort()).toEqual(apps.map((app) => app.url).sort())
    const signingSecret = jsonLines(cli).find((line) => line.kind === 'started')!.signingSecret
    expect(hints[0]).toMatchObject({
      signingSecret,
      message: expect.stringContaining('--state FILE'),
    })
  })

  it('also when the run has just created its state file (its secret is new too)', async () => {
    const statePath = stateFile()
    const cli = await refusedRun(['--state', statePath])
    expect(cli.stderr.split('refused the webhook with 400.').length - 1).toBe(2)
    expect(cli.stderr).toContain(`this run created ${statePath} with a new one`)
    expect(cli.stderr).toContain('the state file keeps it from now on')
  })

  it('not with a state file from an earlier run (the secret is kept) nor with --signing-secret (it is given)', async () => {
    const statePath = stateFile()
    await (await startClerkEmulator({ statePath })).close()
    for (const extra of [
      ['--state', statePath],
      ['--signing-secret', generateSigningSecret()],
    ]) {
      const cli = await refusedRun(extra)
      expect(cli.stdout).toMatch(/: 400/)
      expect(cli.stderr).not.toContain('Hint:')
    }
  })
})

describe('an output the emulator writes to goes away (EPIPE)', () => {
  it('stops cleanly, the state saved, instead of crashing', async () => {
    const app = await startWebhookApp(generateSigningSecret())
    const statePath = stateFile()
    try {
      // A new state file: the 400 hint goes to stderr, whose reader is gone by then.
      const cli = startCli([
        'emulator',
        '--state',
        statePath,
        '--time-scale',
        '1e-7',
        '--webhook-url',
        app.url,
      ])
      const apiUrl = (await cli.waitFor(/at (http:\S+)/))[1]!
      const secretKey = (await cli.waitFor(/CLERK_SECRET_KEY=(\S+)/))[1]!
      cli.child.stderr!.destroy()
      const api = createClerkClient({ apiUrl, secretKey })
      const { id } = await api.users.createUser({ emailAddress: ['epipe@example.com'] })
      const run = await cli.result()
      // A crash on the unhandled 'error' would be exit 1 and might lose the last change.
      expect(run.code).toBe(0)
      expect(run.stdout).toMatch(/: 400/)
      const saved = JSON.parse(readFileSync(statePath, 'utf8'))
      expect(saved.users.map((user: { id: string }) => user.id)).toEqual([id])
    } finally {
      await app.close()
    }
  })
})
