/**
 * `clerk-sync queue status` and `clerk-sync queue replay-dead`, the real CLI process against a
 * real queue-mode config: pg-boss and Drizzle on this machine's Postgres. Events are dead-lettered
 * the way production does it, by a worker whose mapUser throws (no retries), and a replay is only
 * proven when a worker then writes the user.
 */

import { readFileSync, rmSync } from 'node:fs'
import { clerkUser, randomId, signWebhook, userCreatedEvent } from '@clerk-sync/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { postgresUnavailable, postgresUrl, runScopedName } from '../../../test-support/databases.js'
import { type AppDir, makeAppDir, SQLITE_CONFIG } from './support/app-dir.js'
import { type CliQueueApp, startQueueApp } from './support/queue-app.js'
import { runCli } from './support/run-cli.js'

const secret = `whsec_${Buffer.from('clerk-sync cli queue tests!').toString('base64')}`
const unreachableClerk = { CLERK_API_URL: 'http://127.0.0.1:9', CLERK_SECRET_KEY: 'sk_test_unused' }

/** Temp app folders made here, removed after all tests. */
const appDirs: AppDir[] = []
function appDir(prefix?: string): AppDir {
  const app = makeAppDir(prefix)
  appDirs.push(app)
  return app
}
afterAll(() => {
  for (const app of appDirs) rmSync(app.dir, { recursive: true, force: true })
})

/**
 * A queue-mode config on a recording EventQueue (no engine): each replayDead call's options go to
 * CALLS_FILE, and it answers REPLAY_ANSWER moved, to see what the CLI asks and how often.
 */
const RECORDING_QUEUE_CONFIG = `import { appendFileSync } from 'node:fs'
import { createClerkClient } from '@clerk/backend'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'

export default async () => {
  const env = process.env
  const queue = {
    description: 'recording queue (test)',
    enqueue: async () => 'queued' as const,
    work: async () => ({ stop: async () => {} }),
    stats: async () => ({ queued: 0, active: 0, dead: 0, oldestQueuedAgeMs: null }),
    replayDead: async (options?: { limit?: number }) => {
      appendFileSync(env.CALLS_FILE!, \`\${JSON.stringify(options ?? null)}\\n\`)
      return Number(env.REPLAY_ANSWER)
    },
  }
  const sync = createClerkSync({
    store: new MemoryStore(),
    queue,
    signingSecret: env.CLERK_WEBHOOK_SIGNING_SECRET,
    logger: silentLogger,
  })
  const clerk = createClerkClient({ apiUrl: env.CLERK_API_URL!, secretKey: env.CLERK_SECRET_KEY! })
  return { sync, clerk, close: () => {} }
}
`

describe('clerk-sync queue: usage', { timeout: 60_000 }, () => {
  it('refuses a config without queue mode (exit 2), naming createClerkSync({ queue })', async () => {
    const app = appDir()
    app.write('clerk-sync.config.ts', SQLITE_CONFIG)
    const env = {
      ...unreachableClerk,
      TEST_SQLITE_FILE: `${app.dir}/store.db`,
      CLERK_WEBHOOK_SIGNING_SECRET: secret,
    }
    for (const subcommand of ['status', 'replay-dead']) {
      const run = await runCli(['queue', subcommand], { cwd: app.dir, env })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(`clerk-sync queue ${subcommand}: clerk-sync.config.ts:`)
      expect(run.stderr).toContain('createClerkSync({ store, queue })')
      expect(run.stderr).toContain('@clerk-sync/queue-pg-boss')
      expect(run.stdout).toBe('')
    }
    const json = await runCli(['queue', 'status', '--json'], { cwd: app.dir, env })
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, usage: true })
  })

  it('names the subcommands, and refuses a bad one or a bad --limit (exit 2)', async () => {
    const help = await runCli(['queue', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/status .*\n\s+replay-dead /)
    for (const args of [
      ['queue'],
      ['queue', 'drain'],
      ['queue', 'replay-dead', '--limit', '0'],
      ['queue', 'replay-dead', '--limit', '1.5'],
      ['queue', 'replay-dead', '--limit', 'all'],
    ]) {
      const run = await runCli(args)
      expect(run.code, args.join(' ')).toBe(2)
    }
    expect((await runCli(['queue', 'drain'])).stderr).toContain('status and replay-dead')
  })

  it('replay-dead asks the queue once: for all without --limit, for exactly n with it', async () => {
    const app = appDir()
    app.write('clerk-sync.config.ts', RECORDING_QUEUE_CONFIG)
    const calls = `${app.dir}/calls.log`
    const env = {
      ...unreachableClerk,
      CLERK_WEBHOOK_SIGNING_SECRET: secret,
      CALLS_FILE: calls,
      // More than any page size a CLI could guess: one call must still be the whole answer.
      REPLAY_ANSWER: '150000',
    }
    const all = await runCli(['queue', 'replay-dead', '--json'], { cwd: app.dir, env })
    expect(all.code, all.stderr).toBe(0)
    expect(JSON.parse(all.stdout)).toEqual({ ok: true, moved: 150000 })
    expect(readFileSync(calls, 'utf8')).toBe('null\n')

    const limited = await runCli(['queue', 'replay-dead', '--limit', '250000', '--json'], {
      cwd: app.dir,
      env,
    })
    expect(limited.code, limited.stderr).toBe(0)
    expect(readFileSync(calls, 'utf8')).toBe('null\n{"limit":250000}\n')
  })
})

const skip = await postgresUnavailable()

describe.skipIf(skip)('clerk-sync queue on pg-boss', { timeout: 180_000 }, () => {
  const storeSchema = runScopedName('cli_queue')
  const bossSchema = runScopedName('pgboss_cliqueue')
  const admin = new pg.Pool({ connectionString: postgresUrl, max: 1 })
  let app: AppDir
  let env: Record<string, string>
  const running: CliQueueApp[] = []

  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA ${storeSchema}`)
    app = appDir('clerk-sync-cli-queue-')
    env = {
      ...unreachableClerk,
      DATABASE_URL: postgresUrl,
      STORE_SCHEMA: storeSchema,
      PGBOSS_SCHEMA: bossSchema,
      CLERK_WEBHOOK_SIGNING_SECRET: secret,
    }
  })

  afterAll(async () => {
    for (const started of running) await started.stop()
    await admin.query(`DROP SCHEMA IF EXISTS ${storeSchema} CASCADE`)
    await admin.query(`DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`)
    await admin.end()
  })

  const start = async (extra: Record<string, string> = {}) => {
    const started = await startQueueApp(app, { ...env, ...extra })
    running.push(started)
    return started
  }
  const stop = async (started: CliQueueApp) => {
    await started.stop()
    running.splice(running.indexOf(started), 1)
  }
  const cli = (...args: string[]) => runCli(['queue', ...args], { cwd: app.dir, env })
  const statusJson = async () => {
    const run = await cli('status', '--json')
    expect(run.code, run.stderr).toBe(0)
    return JSON.parse(run.stdout) as {
      ok: boolean
      queued: number
      active: number
      dead: number
      oldestQueuedAgeMs: number | null
    }
  }
  /** Polls until `check` passes: bounded, so a lost event fails the test. */
  const until = (check: () => Promise<void>) =>
    vi.waitFor(check, { timeout: 60_000, interval: 250 })
  const storedIds = async () =>
    (await admin.query<{ id: string }>(`SELECT id FROM ${storeSchema}.clerk_sync_users`)).rows.map(
      (row) => row.id,
    )
  /** Sends a signed user.created over HTTP; resolves the user's id once it is acknowledged. */
  const deliver = async (url: string) => {
    const id = randomId('user')
    const body = JSON.stringify(userCreatedEvent(clerkUser({ id, emails: [`${id}@example.com`] })))
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signWebhook({ secret, body }) },
      body,
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'queued' })
    return id
  }

  it('status counts dead letters; replay-dead moves them back and the worker applies them', async () => {
    const failing = await start({ FAIL_MAP_USER: '1' })
    const ids = [await deliver(failing.url), await deliver(failing.url), await deliver(failing.url)]
    await until(async () => expect((await statusJson()).dead).toBe(3))
    await stop(failing)
    expect(await storedIds()).toEqual([])

    const status = await cli('status')
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('queued          0\nactive          0\ndead            3\n')
    expect(status.stdout).toContain('oldest waiting  –')
    expect(status.stdout).toContain('3 events failed every retry')
    expect(status.stdout).toContain('clerk-sync queue replay-dead')
    expect(await statusJson()).toEqual({
      ok: true,
      queued: 0,
      active: 0,
      dead: 3,
      oldestQueuedAgeMs: null,
    })

    // The cause is fixed (mapUser works again): one first, then the rest.
    const fixed = await start()
    const one = await cli('replay-dead', '--limit', '1', '--json')
    expect(one.code, one.stderr).toBe(0)
    expect(JSON.parse(one.stdout)).toEqual({ ok: true, moved: 1 })
    await until(async () => expect(await storedIds()).toHaveLength(1))
    expect(ids).toContain((await storedIds())[0])
    expect(await statusJson()).toMatchObject({ dead: 2 })

    const rest = await cli('replay-dead')
    expect(rest.code, rest.stderr).toBe(0)
    expect(rest.stdout).toBe(
      'Moved 2 dead-lettered events back to the queue; a running worker applies them (check with clerk-sync queue status).\n',
    )
    await until(async () => expect(await storedIds()).toHaveLength(3))
    expect((await storedIds()).sort()).toEqual([...ids].sort())
    expect(await statusJson()).toEqual({
      ok: true,
      queued: 0,
      active: 0,
      dead: 0,
      oldestQueuedAgeMs: null,
    })

    const none = await cli('replay-dead')
    expect(none.code).toBe(0)
    expect(none.stdout).toBe('No dead-lettered events to replay.\n')
    await stop(fixed)
  })

  it('status shows how long the oldest event has waited when no worker runs', async () => {
    const webOnly = await start({ NO_WORKER: '1' })
    const id = await deliver(webOnly.url)
    const sentAt = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const status = await cli('status')
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('queued          1\n')
    const age = Number(status.stdout.match(/oldest waiting {2}(\d+\.\d)s/)?.[1])
    expect(age).toBeGreaterThanOrEqual(1.5)
    expect(age).toBeLessThanOrEqual((Date.now() - sentAt) / 1000 + 0.1)
    expect(await storedIds()).not.toContain(id)
    await stop(webOnly)
  })
})
