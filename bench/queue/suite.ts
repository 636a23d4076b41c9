/**
 * The queue bench (issue 15), run by bench/main.ts: the webhook in direct mode (written before the
 * answer) beside queue mode (enqueued in pg-boss, applied by worker processes), every part its own
 * process, on this machine's Postgres with Drizzle on node-postgres. Each run times the
 * acknowledgements (p50/p99 at the load generator) and the drain: from the first send until every
 * event is recorded as applied (`clerk_sync_events`; direct mode: until the last answer, which
 * comes after its write). Three parts: (a) direct vs queue at concurrency 64 in interleaved rounds,
 * (b) the same while another transaction holds a lock on the users table for a moment (a
 * migration, a bulk job), (c) events/s with 1, 2 and 4 processes (direct-mode web processes; and
 * queue-mode workers draining a backlog one web process acknowledged while they were paused) with
 * each process's CPU time. Nothing is
 * asserted on timing: targets are reported as pass or miss; the run fails only when something
 * broke (a crash, a non-2xx, an event never applied, a dead letter).
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { generateSigningSecret } from '@clerk-sync/testing'
import pg from 'pg'
import {
  createScopedDatabase,
  type ScopedDatabase,
  type ServerBuild,
} from '../../test-support/chaos/index.js'
import { postgresUrl, runScopedName } from '../../test-support/databases.js'
import { runTask } from '../backfill/child.js'
import type { QueueLoadRequest, QueueLoadResult } from './load.js'
import { type AppProcess, killAllApps, startAppProcess } from './processes.js'

export interface QueueBenchSettings {
  quick: boolean
  concurrency: number
  /** Deliveries per run of (a), (b) and (c). */
  deliveries: number
  lockedDeliveries: number
  scaleDeliveries: number
  /** Sent (and drained) before the measured runs of a deployment, uncounted. */
  warmup: number
  rounds: number
  createdShare: number
  /** (b): how long the users table is locked at the start of each run. */
  lockMs: number
  processCounts: number[]
  workersPerQueueDeployment: number
}

export function queueBenchSettings(quick: boolean): QueueBenchSettings {
  return {
    quick,
    concurrency: 64,
    deliveries: quick ? 300 : 3000,
    lockedDeliveries: quick ? 200 : 1500,
    scaleDeliveries: quick ? 300 : 3000,
    warmup: quick ? 64 : 300,
    rounds: quick ? 1 : 3,
    createdShare: 0.85,
    lockMs: 1000,
    processCounts: quick ? [1, 2] : [1, 2, 4],
    workersPerQueueDeployment: 2,
  }
}

/** Which processes serve a run. */
export interface Deployment {
  mode: 'direct' | 'queue'
  webs: number
  /** Queue mode only. */
  workers: number
}

export const describeDeployment = (d: Deployment) =>
  d.mode === 'direct'
    ? `direct, ${d.webs} web${d.webs > 1 ? 's' : ''}`
    : `queue, ${d.webs} web + ${d.workers} worker${d.workers > 1 ? 's' : ''}`

export interface QueueRun {
  deployment: Deployment
  /** (b): the users table was locked this long at the start. */
  lockMs: number
  /** (c): the workers drained a backlog, timed from their resume (not from the first send). */
  backlog: boolean
  load: QueueLoadResult
  /** From the first send until every event was applied (direct mode: the last answer). */
  drainSeconds: number
  drainedPerSecond: number
  /** CPU time of each process during the run, web processes first. */
  cpu: Array<{ role: 'web' | 'worker'; cpuMs: number }>
}

export interface QueueSuiteResult {
  settings: QueueBenchSettings
  /** (a): per round, direct then queue. */
  compare: Array<{ direct: QueueRun; queue: QueueRun }>
  /** (b): per round. */
  locked: Array<{ direct: QueueRun; queue: QueueRun }>
  /** (c): per round, one run per process count. */
  scaleDirect: QueueRun[][]
  scaleWorkers: QueueRun[][]
  machine: {
    cpus: number
    cpuModel: string
    memoryGb: number
    node: string
    postgres: string
    pgBoss: string
    /** `os.loadavg()` (1, 5, 15 min) when the suite started and ended: how busy the machine was. */
    loadAverage: { start: number[]; end: number[] }
  }
  elapsedSeconds: number
  problems: string[]
}

const DRAIN_TIMEOUT_MS = 180_000
const LOAD_TIMEOUT_MS = 240_000
const POLL_MS = 20
/** Pools per process, within Postgres's 100 connections with 4 workers and other users. */
const POOLS = {
  directWeb: { DATABASE_POOL_MAX: '8' },
  queueWeb: { DATABASE_POOL_MAX: '1', BOSS_POOL_MAX: '8' },
  worker: { DATABASE_POOL_MAX: '4', BOSS_POOL_MAX: '3' },
}

export async function runQueueSuite(
  build: ServerBuild,
  settings: QueueBenchSettings,
  cleanups: Array<{ name: string; run: () => Promise<void> | void }>,
): Promise<QueueSuiteResult> {
  const startedAt = Date.now()
  const loadAtStart = os.loadavg()
  const problems: string[] = []
  const log = (line: string) => console.log(`  queue: ${line}`)
  cleanups.push({ name: 'queue bench processes', run: killAllApps })
  const database: ScopedDatabase = await createScopedDatabase('postgres')
  const bossSchema = runScopedName('pgboss_bench')
  let dropped = false
  const drop = async () => {
    if (dropped) return
    dropped = true
    await database.query(`DROP SCHEMA IF EXISTS ${bossSchema} CASCADE`)
    await database.drop()
  }
  cleanups.push({ name: `database ${database.name} and ${bossSchema}`, run: drop })
  // The drain is read from this connection: one count of the applied events per poll.
  const reader = new pg.Client({ connectionString: postgresUrl })
  await reader.connect()
  let readerOpen = true
  const closeReader = async () => {
    if (!readerOpen) return
    readerOpen = false
    await reader.end()
  }
  cleanups.push({ name: 'queue bench reader', run: closeReader })
  const applied = async () =>
    Number(
      (await reader.query(`SELECT count(*)::int AS n FROM ${database.name}.clerk_sync_events`))
        .rows[0].n,
    )

  /**
   * Another transaction takes the users table (EXCLUSIVE: reads go on, writes wait), as a
   * migration or a bulk job would, and holds it `ms` from now.
   */
  const lockUsersTable = async (ms: number) => {
    const locker = new pg.Client({ connectionString: postgresUrl })
    await locker.connect()
    await locker.query('BEGIN')
    await locker.query(`LOCK TABLE ${database.name}.clerk_sync_users IN EXCLUSIVE MODE`)
    const released = new Promise<void>((resolve) => setTimeout(resolve, ms)).then(async () => {
      await locker.query('COMMIT')
      await locker.end()
    })
    return { released }
  }

  const secret = generateSigningSecret()
  const baseEnv = {
    ...database.serverEnv(database.target),
    PGBOSS_SCHEMA: bossSchema,
    CLERK_WEBHOOK_SIGNING_SECRET: secret,
  }
  let migrated = false

  /** Starts a deployment's processes: the first one ever alone (it migrates), webs before workers. */
  const deploy = async (d: Deployment): Promise<AppProcess[]> => {
    const env = (role: 'web' | 'worker') => ({
      ...baseEnv,
      ...(role === 'worker' ? POOLS.worker : d.mode === 'queue' ? POOLS.queueWeb : POOLS.directWeb),
      BENCH_QUEUE: d.mode === 'queue' ? '1' : '0',
      BENCH_MIGRATE: migrated ? '0' : '1',
    })
    const started: AppProcess[] = []
    try {
      // pg-boss creates its schema on the first start: one web process first.
      started.push(await startAppProcess(build, 'web', env('web')))
      migrated = true
      const webs = Array.from({ length: d.webs - 1 }, () =>
        startAppProcess(build, 'web', env('web')),
      )
      started.push(...(await Promise.all(webs)))
      // Workers one after another: each creates the pg-boss queue on start, and two creating it
      // at once can deadlock on pg-boss 10 (reported to the adapter; the bench times runs, not starts).
      for (let index = 0; index < (d.mode === 'queue' ? d.workers : 0); index++)
        started.push(await startAppProcess(build, 'worker', env('worker')))
      return started
    } catch (error) {
      await Promise.all(started.map((process) => process.stop()))
      throw error
    }
  }

  const load = (processes: AppProcess[], deliveries: number) => {
    const request: QueueLoadRequest = {
      urls: processes
        .filter((process) => process.role === 'web')
        .map((process) => `http://127.0.0.1:${process.port}/api/webhooks`),
      secret,
      concurrency: settings.concurrency,
      deliveries,
      createdShare: settings.createdShare,
    }
    return runTask<QueueLoadResult>(build, 'bench-queue-load.mjs', {}, request, LOAD_TIMEOUT_MS)
      .result
  }

  /**
   * Resolves `Date.now()` once `count` more events than `before` are applied, or null when they
   * are not within DRAIN_TIMEOUT_MS (or a process crashed once `stillSending()` is false).
   */
  const appliedBy = async (
    before: number,
    count: number,
    processes: AppProcess[],
    stillSending: () => boolean,
  ): Promise<number | null> => {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS
    while (Date.now() < deadline) {
      if ((await applied()) - before >= count) return Date.now()
      if (!stillSending() && processes.some((process) => process.crashed())) return null
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
    return null
  }

  /**
   * One run on deployed processes: the load, the drain, each process's CPU time. `backlog`: the
   * workers are paused while the events are acknowledged, then resumed together; the drain is
   * timed from their resume, so it is the workers' own rate.
   */
  const measure = async (
    d: Deployment,
    processes: AppProcess[],
    deliveries: number,
    options: { lockMs?: number; backlog?: boolean } = {},
  ): Promise<QueueRun> => {
    const lockMs = options.lockMs ?? 0
    const backlog = options.backlog === true && d.mode === 'queue'
    const workers = processes.filter((process) => process.role === 'worker')
    const label = `${describeDeployment(d)}${lockMs ? `, table locked ${lockMs} ms` : ''}${backlog ? ', from a backlog' : ''}`
    if (backlog) await Promise.all(workers.map((worker) => worker.pause()))
    const before = await applied()
    for (const process of processes) await process.cpuMs() // starts each one's count
    const lock = lockMs > 0 ? await lockUsersTable(lockMs) : null
    let loading = true
    const drained = backlog ? null : appliedBy(before, deliveries, processes, () => loading)
    const result = await load(processes, deliveries)
    loading = false
    await lock?.released
    let drainedAt: number | null
    let startedAt = result.firstSentAt
    if (backlog) {
      for (const process of processes) await process.cpuMs() // the workers' drain only
      startedAt = Date.now()
      await Promise.all(workers.map((worker) => worker.resume()))
      drainedAt = await appliedBy(before, deliveries, processes, () => false)
    } else drainedAt = await drained
    const cpu = await Promise.all(
      processes.map(async (process) => ({ role: process.role, cpuMs: await process.cpuMs() })),
    )
    if (result.non2xx > 0)
      problems.push(`${label}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statuses)}`)
    for (const process of processes) {
      const crash = process.crashed()
      if (crash) problems.push(`${label}: ${crash}`)
    }
    if (drainedAt === null) {
      problems.push(
        `${label}: ${(await applied()) - before} of ${deliveries} events applied after ${DRAIN_TIMEOUT_MS / 1000} s`,
      )
    }
    if (d.mode === 'queue') {
      const stats = await workers[0]!.stats()
      if (stats.dead > 0 || stats.queued > 0)
        problems.push(`${label}: after the drain the queue holds ${JSON.stringify(stats)}`)
    }
    const end =
      d.mode === 'direct'
        ? result.lastAnsweredAt
        : Math.max(drainedAt ?? Number.NaN, backlog ? startedAt : result.lastAnsweredAt)
    const drainSeconds = (end - startedAt) / 1000
    const run: QueueRun = {
      deployment: d,
      lockMs,
      backlog,
      load: result,
      drainSeconds,
      drainedPerSecond: deliveries / drainSeconds,
      cpu,
    }
    log(
      `${label.padEnd(40)} ack p50 ${result.p50Ms.toFixed(1)} ms  p99 ${result.p99Ms.toFixed(1)} ms  drained ${run.drainedPerSecond.toFixed(0)} ev/s  cpu ${cpu.map((c) => `${c.role} ${c.cpuMs.toFixed(0)}`).join(', ')} ms`,
    )
    return run
  }

  /** Deploys, warms up (drained, uncounted), measures one run, stops. */
  const session = async (
    d: Deployment,
    deliveries: number,
    options: { lockMs?: number; backlog?: boolean } = {},
  ): Promise<QueueRun> => {
    const processes = await deploy(d)
    try {
      const before = await applied()
      await load(processes, settings.warmup)
      const deadline = Date.now() + DRAIN_TIMEOUT_MS
      while ((await applied()) - before < settings.warmup && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      return await measure(d, processes, deliveries, options)
    } finally {
      await Promise.all(processes.map((process) => process.stop()))
    }
  }

  const direct: Deployment = { mode: 'direct', webs: 1, workers: 0 }
  const queue: Deployment = { mode: 'queue', webs: 1, workers: settings.workersPerQueueDeployment }
  const compare: QueueSuiteResult['compare'] = []
  const locked: QueueSuiteResult['locked'] = []
  const scaleDirect: QueueRun[][] = []
  const scaleWorkers: QueueRun[][] = []
  try {
    // Rounds interleave the two modes (the order alternates), so a noisy minute hits both.
    log(
      `(a) direct vs queue mode at concurrency ${settings.concurrency}, ${settings.deliveries} events`,
    )
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? [direct, queue] : [queue, direct]
      const runs = new Map<Deployment, QueueRun>()
      for (const d of order) runs.set(d, await session(d, settings.deliveries))
      compare.push({ direct: runs.get(direct)!, queue: runs.get(queue)! })
    }
    log(`(b) the users table locked for ${settings.lockMs} ms, ${settings.lockedDeliveries} events`)
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? [direct, queue] : [queue, direct]
      const runs = new Map<Deployment, QueueRun>()
      for (const d of order)
        runs.set(d, await session(d, settings.lockedDeliveries, { lockMs: settings.lockMs }))
      locked.push({ direct: runs.get(direct)!, queue: runs.get(queue)! })
    }
    log(`(c) 1, 2, 4 processes on ${os.cpus().length} cores, ${settings.scaleDeliveries} events`)
    for (let round = 0; round < settings.rounds; round++) {
      const counts =
        round % 2 === 0 ? settings.processCounts : [...settings.processCounts].reverse()
      const webs = new Map<number, QueueRun>()
      const workers = new Map<number, QueueRun>()
      for (const n of counts) {
        webs.set(n, await session({ ...direct, webs: n }, settings.scaleDeliveries))
        workers.set(
          n,
          await session({ ...queue, workers: n }, settings.scaleDeliveries, { backlog: true }),
        )
      }
      scaleDirect.push(settings.processCounts.map((n) => webs.get(n)!))
      scaleWorkers.push(settings.processCounts.map((n) => workers.get(n)!))
    }
  } catch (error) {
    problems.push(`the queue bench failed: ${error instanceof Error ? error.stack : String(error)}`)
  }
  const version = await reader.query('SHOW server_version')
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: String(version.rows[0].server_version),
    pgBoss: (
      JSON.parse(readFileSync(join(build.dir, 'node_modules/pg-boss/package.json'), 'utf8')) as {
        version: string
      }
    ).version,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
  }
  await closeReader().catch(() => {})
  await drop()
  return {
    settings,
    compare,
    locked,
    scaleDirect,
    scaleWorkers,
    machine,
    elapsedSeconds: (Date.now() - startedAt) / 1000,
    problems,
  }
}
