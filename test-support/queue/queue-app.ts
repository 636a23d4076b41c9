/**
 * The app every queue-mode process runs, web or worker, configured from its environment as a
 * deployed app is: a Drizzle store on a small pg pool, the app's own pg-boss with a small pool,
 * `createClerkSync({ store, queue: pgBossQueue(boss) })`. Logs only warnings and errors; counts
 * every result by outcome, for the summary a worker prints when it stops.
 */
import { createClerkSync, type WebhookResult } from '@clerk-sync/core'
import { drizzleStore } from '@clerk-sync/drizzle'
import { pgBossQueue } from '@clerk-sync/queue-pg-boss'
import pg from 'pg'
import { drizzlePg, PgBoss } from './borrowed-dependencies.js'
import { waitWhileHeld } from './worker-hold.js'

export interface QueueAppEnv {
  /** Postgres, usually through the test's fault proxy. */
  DATABASE_URL: string
  /** The store's tables live in this schema. */
  DATABASE_SCHEMA: string
  /** pg-boss's own schema. */
  QUEUE_BOSS_SCHEMA: string
  CLERK_WEBHOOK_SIGNING_SECRET: string
  /** Store pool size. Default 3. */
  DATABASE_POOL_MAX?: string
  /** pg-boss pool size. Default 3. */
  QUEUE_BOSS_MAX?: string
  /** How long a worker may hold a job before it is failed and retried. Default 5. */
  QUEUE_EXPIRE_SECONDS?: string
  /** Worker holds for fault tests (worker-hold.ts). */
  QUEUE_HOLD_DIR?: string
  /** Postgres `application_name` of every connection, so a test can count them. */
  QUEUE_APP_NAME?: string
}

export interface QueueApp {
  sync: ReturnType<typeof createClerkSync>
  /** Results by outcome, worker results only (those that carry `queue`). */
  applied: Record<string, number>
  close(): Promise<void>
}

function need(env: NodeJS.ProcessEnv, name: keyof QueueAppEnv): string {
  const value = env[name]
  if (!value) throw new Error(`queue app: ${name} is required`)
  return value
}

const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]

export async function openQueueApp(env: NodeJS.ProcessEnv): Promise<QueueApp> {
  const databaseUrl = need(env, 'DATABASE_URL')
  const schema = need(env, 'DATABASE_SCHEMA')
  const holdDir = env.QUEUE_HOLD_DIR || undefined
  const applicationName = env.QUEUE_APP_NAME || undefined

  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(env.DATABASE_POOL_MAX ?? 3),
    options: `-c search_path=${schema}`,
    application_name: applicationName,
  })
  // As every app with a pg.Pool must: a dropped idle connection is logged, not a crash.
  pool.on('error', (error) => console.error(`[db] idle connection lost: ${firstLine(error)}`))

  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: need(env, 'QUEUE_BOSS_SCHEMA'),
    max: Number(env.QUEUE_BOSS_MAX ?? 3),
    application_name: applicationName,
  })
  // pg-boss reports lost connections and failed polls as 'error' events; unheard, they would
  // end the process.
  boss.on('error', (error) => console.error(`[boss] ${firstLine(error)}`))
  await boss.start()

  const applied: Record<string, number> = {}
  const sync = createClerkSync({
    store: drizzleStore(drizzlePg(pool)),
    queue: pgBossQueue(boss, {
      expireInSeconds: Number(env.QUEUE_EXPIRE_SECONDS ?? 5),
      retryDelaySeconds: 1,
    }),
    logger: {
      debug() {},
      info() {},
      warn: (message) => console.warn(`[clerk-sync] ${message}`),
      error: (message) => console.error(`[clerk-sync] ${message}`),
    },
    async mapUser(clerkUser) {
      await waitWhileHeld(holdDir, 'before-write', clerkUser.id)
      return undefined
    },
    async onEvent(result: WebhookResult<string>) {
      if (!result.queue) return
      applied[result.outcome] = (applied[result.outcome] ?? 0) + 1
      if (result.userId) await waitWhileHeld(holdDir, 'after-write', result.userId)
    },
  })

  return {
    sync,
    applied,
    async close() {
      await boss.stop({ graceful: true, wait: true, timeout: 4000 }).catch(() => {})
      await pool.end().catch(() => {})
    },
  }
}
