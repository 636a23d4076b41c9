/**
 * A queue-mode app for the `clerk-sync queue` tests: its clerk-sync.config.ts (Drizzle on
 * node-postgres in the test's schema, pg-boss in its own schema, no retries so a failing event is
 * dead-lettered at once) and a server beside it that imports that same factory, answers signed
 * webhooks over HTTP and, unless NO_WORKER=1, runs `sync.startWorker()`. FAIL_MAP_USER=1 makes
 * mapUser throw, so every event the worker takes fails.
 */
import type { ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { spawnBoundChild, stopChild } from '../../../../test-support/bound-child-process.js'
import type { AppDir } from './app-dir.js'
import { cliEnv } from './run-cli.js'

export const QUEUE_CONFIG = `import { createClerkClient } from '@clerk/backend'
import { createClerkSync, silentLogger } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { pgBossQueue } from '@clerk-sync/queue-pg-boss'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import PgBoss from 'pg-boss'

export default async () => {
  const env = process.env
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: 2,
    options: \`-c search_path=\${env.STORE_SCHEMA}\`,
  })
  const db = drizzle(pool)
  await applyMigrations(db)
  const boss = new PgBoss({ connectionString: env.DATABASE_URL, max: 2, schema: env.PGBOSS_SCHEMA })
  boss.on('error', (error) => console.error(\`pg-boss: \${error.message}\`))
  await boss.start()
  const sync = createClerkSync({
    store: drizzleStore(db),
    queue: pgBossQueue(boss, {
      name: 'cli-test-events',
      schema: env.PGBOSS_SCHEMA,
      retryLimit: 0,
      pollIntervalMs: 100,
    }),
    signingSecret: env.CLERK_WEBHOOK_SIGNING_SECRET,
    logger: silentLogger,
    mapUser:
      env.FAIL_MAP_USER === '1'
        ? () => {
            throw new Error('mapUser is broken')
          }
        : undefined,
  })
  const clerk = createClerkClient({ apiUrl: env.CLERK_API_URL!, secretKey: env.CLERK_SECRET_KEY! })
  return {
    sync,
    clerk,
    close: async () => {
      await boss.stop({ graceful: true, wait: true })
      await pool.end()
    },
  }
}
`

const APP = `import { createServer } from 'node:http'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import factory from './clerk-sync.config.ts'

const config = await factory()
const worker = process.env.NO_WORKER === '1' ? null : await config.sync.startWorker({ concurrency: 2 })
const server = createServer((req, res) => handleNodeWebhook(config.sync, req, res))
server.listen(0, '127.0.0.1', () => console.log(\`listening \${server.address().port}\`))
process.once('SIGTERM', async () => {
  server.close()
  await worker?.stop()
  await config.close()
  process.exit(0)
})
`

// The CLI package's tsx: the app directory has none of its own.
const tsx = pathToFileURL(
  join(resolve(import.meta.dirname, '../..'), 'node_modules/tsx/dist/loader.mjs'),
).href

export interface CliQueueApp {
  url: string
  stop(): Promise<void>
}

const START_TIMEOUT_MS = 30_000

/** Resolves the port the app prints once it listens; rejects if it exits or stays silent. */
function listeningPort(child: ChildProcess, output: () => string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = output().match(/listening (\d+)/)
      if (!match) return
      settle()
      resolve(Number(match[1]))
    }
    const onExit = (code: number | null, signal: string | null) => {
      settle()
      reject(new Error(`app exited (${signal ?? code}):\n${output()}`))
    }
    const timer = setTimeout(() => {
      settle()
      reject(new Error(`app did not start within ${START_TIMEOUT_MS} ms:\n${output()}`))
    }, START_TIMEOUT_MS)
    // Listeners, not a poll: nothing is left running whichever way the start ends.
    function settle() {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** Writes the config and the server into `app` (once), starts the server, resolves its URL. */
export async function startQueueApp(
  app: AppDir,
  env: Record<string, string>,
): Promise<CliQueueApp> {
  // An ES module app, as most are: the server awaits at its top level.
  app.write('package.json', '{ "type": "module" }\n')
  app.write('clerk-sync.config.ts', QUEUE_CONFIG)
  const entry = app.write('app.ts', APP)
  const child: ChildProcess = spawnBoundChild(
    ['--conditions=@clerk-sync/source', '--import', tsx, entry],
    { cwd: app.dir, env: cliEnv(env) },
  )
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  let port: number
  try {
    port = await listeningPort(child, () => output)
  } catch (error) {
    // A server that never listened is still stopped: no process outlives the test.
    await stopChild(child, 10_000)
    throw error
  }
  return { url: `http://127.0.0.1:${port}/api/webhooks`, stop: () => stopChild(child, 10_000) }
}
