/**
 * A whole queue-mode deployment on one Postgres, for the scale-out and fault tests:
 *
 *   emulator ──► front proxy (round robin) ──► web processes ─┐
 *                                                             ├─► fault proxy ──► Postgres
 *                                              worker processes┘       (the run's own schemas)
 *
 * The store's tables and pg-boss live in schemas of this run, dropped by close(). The test keeps
 * its own small store and pg-boss (no maintenance, no workers) to read results and queue stats.
 * close() stops everything started so far, last started first, also after a failed start.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EventQueue, QueueStats, UserStore } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { pgBossQueue } from '@clerk-sync/queue-pg-boss'
import {
  type ClerkEmulator,
  type ClerkEmulatorOptions,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import pg from 'pg'
import { type FaultProxy, startFaultProxy } from '../chaos/fault-proxy.js'
import { type FrontProxy, startFrontProxy } from '../chaos/front-proxy.js'
import { createScopedDatabase, type ScopedDatabase } from '../chaos/scoped-database.js'
import { postgresUrl, runScopedName } from '../databases.js'
import { drizzlePg, PgBoss } from './borrowed-dependencies.js'
import { type QueueCluster, startQueueCluster } from './queue-processes.js'

export interface QueueDeploymentOptions {
  web: number
  workers: number
  emulator: ClerkEmulatorOptions
  /** Each process's store pool and pg-boss pool. Default 3 each. */
  poolMax?: number
  /** pg-boss expiry of a held job, in s. Default 5. */
  expireInSeconds?: number
}

export interface QueueDeployment {
  db: ScopedDatabase
  /** pg-boss's schema. */
  bossSchema: string
  /** Between every process and Postgres. */
  dbProxy: FaultProxy
  emulator: ClerkEmulator
  cluster: QueueCluster
  /** The emulator's webhook endpoint: round robin over the web processes. */
  front: FrontProxy
  /** Where worker holds are placed (worker-hold.ts). */
  holdDir: string
  /** The test's own store, straight to Postgres. */
  store: UserStore
  /** The test's own view of the queue, straight to Postgres. */
  queue: EventQueue
  /** Waits until nothing is queued or running (twice in a row); resolves the stats seen last. */
  drain(timeoutMs: number): Promise<QueueStats>
  /** Rows left in pg-boss's job and archive tables, every queue included. */
  jobRows(): Promise<number>
  /** Connections the processes hold open right now (their `application_name`). */
  processConnections(): Promise<number>
  close(): Promise<void>
}

const POLL_MS = 100
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function startQueueDeployment(
  options: QueueDeploymentOptions,
): Promise<QueueDeployment> {
  const cleanups: Array<() => Promise<unknown>> = []
  const close = async () => {
    const errors: unknown[] = []
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((e) => errors.push(e))
    if (errors.length) throw errors[0]
  }
  try {
    const db = await createScopedDatabase('postgres')
    cleanups.push(() => db.drop())
    const bossSchema = runScopedName('pgboss_scaleout')
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`).finally(() => admin.end())
    })
    const holdDir = await mkdtemp(join(tmpdir(), 'clerk-sync-queue-holds-'))
    cleanups.push(() => rm(holdDir, { recursive: true, force: true }))

    // The test's own connections: the tables are created once here, before any process starts.
    const pool = new pg.Pool({
      connectionString: postgresUrl,
      max: 2,
      options: `-c search_path=${db.name}`,
    })
    pool.on('error', () => {})
    cleanups.push(() => pool.end())
    const drizzleDb = drizzlePg(pool)
    await applyMigrations(drizzleDb)
    const store = drizzleStore(drizzleDb)
    const boss = new PgBoss({
      connectionString: postgresUrl,
      schema: bossSchema,
      max: 2,
      supervise: false,
      schedule: false,
    })
    boss.on('error', () => {})
    await boss.start()
    cleanups.push(() => boss.stop({ graceful: false, wait: true }))
    const queue = pgBossQueue(boss)

    const dbProxy = await startFaultProxy(db.target)
    cleanups.push(() => dbProxy.close())
    const emulator = await startClerkEmulator(options.emulator)
    cleanups.push(() => emulator.close())
    const poolMax = String(options.poolMax ?? 3)
    const cluster = await startQueueCluster({
      web: options.web,
      workers: options.workers,
      env: {
        ...db.serverEnv(dbProxy),
        QUEUE_BOSS_SCHEMA: bossSchema,
        CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
        DATABASE_POOL_MAX: poolMax,
        QUEUE_BOSS_MAX: poolMax,
        QUEUE_EXPIRE_SECONDS: String(options.expireInSeconds ?? 5),
        QUEUE_HOLD_DIR: holdDir,
        QUEUE_APP_NAME: bossSchema,
      },
    })
    cleanups.push(() => cluster.stop())
    const front = await startFrontProxy({
      backends: cluster.web.map((web) => web.port),
      midBodyRate: 0,
      midResponseRate: 0,
      random: Math.random,
    })
    cleanups.push(() => front.close())
    emulator.addWebhookEndpoint(`${front.url}/api/webhooks`)

    return {
      db,
      bossSchema,
      dbProxy,
      emulator,
      cluster,
      front,
      holdDir,
      store,
      queue,
      async drain(timeoutMs) {
        const deadline = Date.now() + timeoutMs
        let idleReadings = 0
        let stats = await queue.stats()
        while (idleReadings < 2) {
          if (Date.now() > deadline)
            throw new Error(
              `the queue did not drain within ${timeoutMs} ms: ${JSON.stringify(stats)}`,
            )
          await sleep(POLL_MS)
          stats = await queue.stats()
          idleReadings = stats.queued === 0 && stats.active === 0 ? idleReadings + 1 : 0
        }
        return stats
      },
      async jobRows() {
        const [row] = await db.query(
          `SELECT (SELECT count(*) FROM ${bossSchema}.job) + (SELECT count(*) FROM ${bossSchema}.archive) AS n`,
        )
        return Number(row?.n)
      },
      async processConnections() {
        const [row] = await db.query(
          'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ?',
          [bossSchema],
        )
        return Number(row?.n)
      },
      close,
    }
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
}
