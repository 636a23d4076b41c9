/**
 * One process of the queue bench's app, as an app deploys it, chosen by BENCH_ROLE:
 * - `web`: Express 5 with `clerkSyncWebhook(sync)`; in queue mode (BENCH_QUEUE=1) it verifies and
 *   enqueues, otherwise it writes each event before answering (direct mode);
 * - `worker`: `sync.startWorker()` applying the queued events (BENCH_WORKER_CONCURRENCY).
 * Drizzle on node-postgres in the run's schema (DATABASE_SCHEMA), pg-boss 10 in its own
 * (PGBOSS_SCHEMA). Reports `{ type: 'ready', port }` over IPC; answers `{ type: 'cpu' }` with
 * its CPU time since the last ask and `{ type: 'stats' }` with `sync.queueStats()`; a worker also
 * takes `pause` (stops its worker) and `resume` (starts it again).
 */
import { createClerkSync, silentLogger } from '@clerk-sync/core'
import { clerkSyncWebhook } from '@clerk-sync/express'
import { pgBossQueue } from '@clerk-sync/queue-pg-boss'
import express from 'express'
import PgBoss from 'pg-boss'
import { openStore } from '../../test-support/chaos/server/store.js'
import { needEnv } from '../server/raw-sql.js'

const env = process.env
const role = needEnv(env, 'BENCH_ROLE')
const queueMode = env.BENCH_QUEUE === '1'

const { store, close: closeStore } = await openStore({
  store: 'drizzle',
  dialect: 'postgres',
  url: needEnv(env, 'DATABASE_URL'),
  schema: needEnv(env, 'DATABASE_SCHEMA'),
  poolMax: Number(env.DATABASE_POOL_MAX ?? 8),
  migrate: env.BENCH_MIGRATE === '1',
})

let boss: PgBoss | null = null
if (queueMode) {
  boss = new PgBoss({
    connectionString: needEnv(env, 'DATABASE_URL'),
    schema: needEnv(env, 'PGBOSS_SCHEMA'),
    max: Number(env.BOSS_POOL_MAX ?? 4),
    // The web processes only enqueue: pg-boss's maintenance runs in the workers.
    supervise: role === 'worker',
    schedule: false,
  })
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`))
  await boss.start()
}

const sync = createClerkSync({
  store,
  logger: silentLogger,
  ...(boss ? { queue: pgBossQueue(boss, { schema: needEnv(env, 'PGBOSS_SCHEMA') }) } : {}),
})

let port = 0
let worker: { stop(): Promise<void> } | null = null
const startWorker = async () => {
  worker ??= await sync.startWorker({
    concurrency: Number(env.BENCH_WORKER_CONCURRENCY ?? 2),
    statsIntervalMs: 60_000,
  })
}
const stopWorker = async () => {
  const running = worker
  worker = null
  await running?.stop()
}
if (role === 'web') {
  const app = express()
  app.post('/api/webhooks', clerkSyncWebhook(sync))
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const address = server.address()
  port = typeof address === 'object' && address ? address.port : 0
} else if (role === 'worker') {
  await startWorker()
} else {
  throw new Error(`bench queue app: unknown BENCH_ROLE ${role}`)
}

let cpuSince = process.cpuUsage()
process.on('message', async (message: { type?: string }) => {
  if (message?.type === 'cpu') {
    const cpu = process.cpuUsage(cpuSince)
    cpuSince = process.cpuUsage()
    process.send?.({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000 })
  } else if (message?.type === 'stats') {
    process.send?.({ type: 'stats', stats: await sync.queueStats() })
  } else if (message?.type === 'pause' || message?.type === 'resume') {
    // (c) lets a backlog build with the workers paused, then times them draining it.
    await (message.type === 'pause' ? stopWorker() : startWorker())
    process.send?.({ type: message.type })
  }
})
process.send?.({ type: 'ready', port })

const shutdown = async () => {
  await stopWorker()
  await boss?.stop({ graceful: true, wait: true })
  await closeStore()
  process.exit(0)
}
process.once('SIGTERM', () => void shutdown())
process.on('disconnect', () => process.exit(0))
