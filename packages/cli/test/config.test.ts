import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateSigningSecret, signWebhook } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { makeAppDir, repoRoot, SQLITE_CONFIG } from './support/app-dir.js'
import { runCli } from './support/run-cli.js'
import { openSqliteStore } from './support/sqlite-store.js'

const secret = generateSigningSecret()
// The store is all these commands touch; Clerk is never called, so any URL will do.
const env = (dir: string) => ({
  TEST_SQLITE_FILE: join(dir, 'store.db'),
  CLERK_API_URL: 'http://127.0.0.1:9',
  CLERK_SECRET_KEY: 'sk_test_unused',
  CLERK_WEBHOOK_SIGNING_SECRET: secret,
})

/** The SQLite config plus a socket pair standing in for a database pool: open until closed. */
function poolConfig(closeClosesPool: boolean): string {
  return SQLITE_CONFIG.replace(
    "import { drizzle } from 'drizzle-orm/better-sqlite3'",
    `import { drizzle } from 'drizzle-orm/better-sqlite3'
import { once } from 'node:events'
import { connect, createServer, type Socket } from 'node:net'`,
  ).replace(
    '  return { sync, clerk, close: () => sqlite.close() }',
    `  const accepted: Socket[] = []
  const server = createServer((socket) => accepted.push(socket))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const client = connect((server.address() as { port: number }).port, '127.0.0.1')
  await once(client, 'connect')
  const closePool = async () => {
    client.destroy()
    for (const socket of accepted) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
  return {
    sync,
    clerk,
    close: async () => {
      ${closeClosesPool ? 'await closePool()' : '// forgets the pool'}
      sqlite.close()
    },
  }`,
  )
}

describe('clerk-sync.config.* loading', { timeout: 120_000 }, () => {
  it('names the files it looked for when there is none (exit 2)', async () => {
    const app = makeAppDir()
    for (const command of ['backfill', 'reconcile', 'import-legacy', 'prune']) {
      const run = await runCli([command], { cwd: app.dir, env: env(app.dir) })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(
        'looked for clerk-sync.config.ts, clerk-sync.config.mts, clerk-sync.config.js, clerk-sync.config.mjs',
      )
      expect(run.stderr).toContain(`clerk-sync ${command} --help`)
    }
    const missing = await runCli(['prune', '--config', 'nope.config.ts'], { cwd: app.dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--config nope\.config\.ts: no such file/)
  })

  it('refuses a default export of the wrong shape, naming what is wrong (exit 2)', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.mjs', 'export default { sync: {} }\n')
    const notAFunction = await runCli(['prune'], { cwd: app.dir, env: env(app.dir) })
    expect(notAFunction.code).toBe(2)
    expect(notAFunction.stderr).toMatch(
      /clerk-sync\.config\.mjs must default-export a function \(it may be async\), got an object with sync/,
    )

    const partial = app.write(
      'partial.config.ts',
      `import { createClerkSync, MemoryStore } from '@clerk-sync/core'
export default async () => ({ sync: createClerkSync({ store: new MemoryStore(), signingSecret: '${secret}' }) })\n`,
    )
    const run = await runCli(['prune', '--config', partial, '--json'], { cwd: app.dir })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("`clerk` must be @clerk/backend's createClerkClient")
    expect(run.stderr).toContain('`close` must be a function')
    expect(run.stderr).not.toContain('`sync`')
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, usage: true })
  })

  it('reports a factory that throws as a failure (exit 1)', async () => {
    const app = makeAppDir()
    app.write(
      'clerk-sync.config.ts',
      `export default async () => { throw new Error('database unreachable') }\n`,
    )
    const run = await runCli(['prune'], { cwd: app.dir })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      'clerk-sync prune: the factory in clerk-sync.config.ts threw: database unreachable\n',
    )

    // As in a cron job without the app's environment: createClerkSync's own error, its code first.
    app.write('clerk-sync.config.ts', SQLITE_CONFIG)
    const noSecret = await runCli(['prune', '--json'], {
      cwd: app.dir,
      env: { ...env(app.dir), CLERK_WEBHOOK_SIGNING_SECRET: '' },
    })
    expect(noSecret.code).toBe(1)
    expect(noSecret.stderr).toMatch(
      /^clerk-sync prune: the factory in clerk-sync\.config\.ts threw: SIGNING_SECRET_INVALID: /,
    )
    expect(noSecret.stderr).not.toMatch(/^\s+at /m)
    expect(JSON.parse(noSecret.stdout)).toMatchObject({ ok: false })

    app.write('clerk-sync.config.ts', 'export default async () => {\n')
    const broken = await runCli(['prune'], { cwd: app.dir })
    expect(broken.code).toBe(1)
    expect(broken.stderr).toMatch(/^clerk-sync prune: could not load clerk-sync\.config\.ts: /)
  })

  it('always calls close(): a config whose pool stays open until closed still exits by itself', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.ts', poolConfig(true))
    const run = await runCli(['prune'], { cwd: app.dir, env: env(app.dir) })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Forgot 0 processed event ids older than 30 days/)
    expect(run.stderr).toBe('')
  })

  it('ends a process that close() left running, naming what is still open', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.ts', poolConfig(false))
    const run = await runCli(['prune'], { cwd: app.dir, env: env(app.dir) })
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(
      /still running 1500 ms after close\(\) of .*clerk-sync\.config\.ts \(open: .*TCP.*\); exiting/,
    )
  })
})

// `pnpm test` builds first; a bare `vitest run` may not have, so this one needs the dist files.
const builtCli = join(repoRoot, 'packages/cli/dist/cli.js')
const builtPackages = [builtCli, join(repoRoot, 'packages/store-drizzle/dist/index.js')]

describe('the built bin', { timeout: 60_000 }, () => {
  it.runIf(builtPackages.every((path) => existsSync(path)))(
    'loads a TypeScript config with the bundled jiti, the packages from their dist',
    () => {
      const app = makeAppDir()
      app.write('clerk-sync.config.ts', SQLITE_CONFIG)
      const run = spawnSync(process.execPath, [builtCli, 'prune', '--json'], {
        cwd: app.dir,
        env: { ...process.env, ...env(app.dir) },
        encoding: 'utf8',
      })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, pruned: 0 })
    },
  )
})

describe('clerk-sync prune', { timeout: 120_000 }, () => {
  it('forgets processed event ids older than --older-than-days', async () => {
    const app = makeAppDir()
    app.write('clerk-sync.config.ts', SQLITE_CONFIG)
    const file = join(app.dir, 'store.db')
    const opened = await openSqliteStore(file, secret)
    const body = JSON.stringify({
      type: 'user.deleted',
      object: 'event',
      data: { object: 'user', id: 'user_prune1', deleted: true },
      timestamp: Date.now(),
      instance_id: 'ins_test',
    })
    const headers = signWebhook({ secret, body })
    const answer = await opened.sync.processWebhook({ method: 'POST', body, headers })
    expect(answer.status).toBe(200)
    const eventId = headers['svix-id']
    expect(await opened.store.hasEvent!(eventId)).toBe(true)

    const kept = await runCli(['prune', '--json'], { cwd: app.dir, env: env(app.dir) })
    expect(kept.code).toBe(0)
    expect(JSON.parse(kept.stdout)).toMatchObject({ ok: true, pruned: 0 })
    expect(await opened.store.hasEvent!(eventId)).toBe(true)

    const pruned = await runCli(['prune', '--older-than-days', '0'], {
      cwd: app.dir,
      env: env(app.dir),
    })
    expect(pruned.code).toBe(0)
    expect(pruned.stdout).toMatch(/^Forgot 1 processed event ids older than 0 days/)
    expect(await opened.store.hasEvent!(eventId)).toBe(false)
    opened.close()

    const bad = await runCli(['prune', '--older-than-days', 'month'], { cwd: app.dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--older-than-days must be a whole number')
  })
})
