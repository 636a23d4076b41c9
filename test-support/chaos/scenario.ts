/**
 * One convergence run: the emulator creates users and mutates them, delivering with duplicates,
 * reordering and jitter through a round-robin front proxy to N server processes that share one
 * database behind a fault proxy; meanwhile the database goes away for a while, a server is killed
 * with SIGKILL and restarted, and a share of deliveries is cut mid-body or mid-response. Then
 * flush, and compare everything (see verify.ts).
 */
import {
  type ClerkEmulator,
  SVIX_RETRY_SCHEDULE_MS,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import type { ServerBuild } from './build-server.js'
import { type OutageRecord, startFaultProxy } from './fault-proxy.js'
import { type Arrival, startFrontProxy } from './front-proxy.js'
import { inspectStore } from './inspect-store.js'
import { type LoadResult, runLoad } from './load.js'
import { seededRandom } from './random.js'
import { createScopedDatabase, type Dialect, type ScopedDatabase } from './scoped-database.js'
import { startFleet } from './server-fleet.js'
import { type Convergence, checkConvergence } from './verify.js'

export type StoreKind = 'drizzle' | 'prisma'

export interface ScenarioOptions {
  store: StoreKind
  dialect: Dialect
  build: ServerBuild
  users: number
  mutations: number
  seed: number
  /** Default 3. */
  servers?: number
  /** How long the database is unreachable. Default 3000 ms. */
  outageMs?: number
  /** When the outage starts and the crash happens, as shares of the expected deliveries. */
  outageAt?: number
  crashAt?: number
  /** How long the killed server stays down before its restart. Default 500 ms. */
  crashDownMs?: number
  /** Shares of deliveries cut at the front. Default 3% each. */
  midBodyRate?: number
  midResponseRate?: number
  /** Connections per server pool. Default 6. */
  poolMax?: number
  /** Servers batch concurrent upserts with core's group commit (`withGroupCommit`). */
  groupCommit?: boolean
  /**
   * After the checks, break the database on purpose (one field changed, one user's row removed,
   * one deleted user's row put back) and check again: `selfCheck` must then report each, which
   * proves the checks can fail. Default false.
   */
  selfCheck?: boolean
  /** For flush(). Default 5 minutes. */
  flushTimeoutMs?: number
  log?: (line: string) => void
}

export interface FaultsInjected {
  outages: OutageRecord[]
  crashes: Array<{ server: number; inFlight: number; restartedAfterMs: number }>
  cutMidBody: number
  cutMidResponse: number
  /** Deliveries that found their server down (during the crash) and were reset. */
  unreachable: number
}

export interface ScenarioReport extends Convergence {
  name: string
  seed: number
  timeScale: number
  load: LoadResult
  faults: FaultsInjected
  /** Server exits nobody asked for, with their last lines. */
  unexpectedExits: Array<{
    index: number
    code: number | null
    signal: string | null
    lastLines: string[]
  }>
  /** Attempts answered 5xx (the store failing while the database was away, for one). */
  serverErrors: number
  /** The checks rerun on a database broken on purpose (see `ScenarioOptions.selfCheck`). */
  selfCheck?: Convergence & { tampered: { changed: string; removed: string; resurrected: string } }
  /** node-postgres connection errors the servers logged (connections dropped under them). */
  poolErrorsLogged: number
  durationMs: number
}

/** Svix's whole schedule, unscaled. */
const SCHEDULE_TOTAL_MS = SVIX_RETRY_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0)

/** The emulator's time scale that stretches the retry schedule to `factor` times the outage. */
export function timeScaleFor(outageMs: number, factor = 6): number {
  return (outageMs * factor) / SCHEDULE_TOTAL_MS
}

const POLL_MS = 20

export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const started = performance.now()
  const name = `${options.store}+${options.dialect}${options.groupCommit ? '+group-commit' : ''}`
  const log = options.log ?? (() => {})
  const servers = options.servers ?? 3
  const outageMs = options.outageMs ?? 3000
  const timeScale = timeScaleFor(outageMs)
  const expected = options.users + options.mutations
  const cleanups: Array<() => Promise<void> | void> = []
  // Set when the run ends, so a fault schedule still waiting (the load failed) stops too.
  let finished = false
  try {
    const db = await createScopedDatabase(options.dialect)
    cleanups.push(() => db.drop())
    if (options.store === 'prisma') await db.applyPrismaMigration()
    const dbProxy = await startFaultProxy(db.target)
    cleanups.push(() => dbProxy.close())
    const emulator = await startClerkEmulator({
      timeScale,
      duplicateRate: 0.2,
      reorderWindow: 50,
      jitter: 10,
      concurrency: 32,
      seed: options.seed,
    })
    cleanups.push(() => emulator.close())
    const storeEnv = {
      CHAOS_STORE: options.store,
      CHAOS_DIALECT: options.dialect,
      DATABASE_POOL_MAX: String(options.poolMax ?? 6),
      CHAOS_GROUP_COMMIT: options.groupCommit ? '1' : '0',
    }
    const fleet = await startFleet({
      entry: options.build.serverEntry,
      cwd: options.build.dir,
      count: servers,
      env: {
        ...storeEnv,
        ...db.serverEnv(dbProxy),
        CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
      },
    })
    cleanups.push(() => fleet.stop())
    const front = await startFrontProxy({
      backends: fleet.ports,
      midBodyRate: options.midBodyRate ?? 0.03,
      midResponseRate: options.midResponseRate ?? 0.03,
      random: seededRandom(options.seed ^ 0x5eed),
    })
    cleanups.push(() => front.close())
    emulator.addWebhookEndpoint(`${front.url}/api/webhooks`)
    log(
      `[chaos] ${name}: seed ${options.seed}, timeScale ${timeScale.toExponential(2)}, servers on ${fleet.ports.join(', ')}`,
    )

    const faults: FaultsInjected = {
      outages: [],
      crashes: [],
      cutMidBody: 0,
      cutMidResponse: 0,
      unreachable: 0,
    }
    // Faults fire on delivery progress, so they always land mid-burst whatever the speed.
    const waitForArrivals = async (count: number) => {
      const deadline = Date.now() + 10 * 60_000
      while (front.arrivalCount < count) {
        if (finished) throw new Error('the run ended before its faults were injected')
        if (Date.now() > deadline)
          throw new Error(`only ${front.arrivalCount} of ${count} arrivals`)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    }
    const crashIndex = Math.min(1, servers - 1)
    const faultRun = (async () => {
      await waitForArrivals(Math.floor(expected * (options.outageAt ?? 0.3)))
      log(`[chaos] ${name}: database outage for ${outageMs} ms`)
      faults.outages.push(await dbProxy.outage(outageMs))
      await waitForArrivals(Math.floor(expected * (options.crashAt ?? 0.65)))
      const inFlight = front.openConnections(crashIndex)
      log(`[chaos] ${name}: SIGKILL server ${crashIndex} (${inFlight} deliveries in flight)`)
      await fleet.kill(crashIndex, 'SIGKILL')
      const downMs = options.crashDownMs ?? 500
      await new Promise((resolve) => setTimeout(resolve, downMs))
      await fleet.restart(crashIndex)
      faults.crashes.push({ server: crashIndex, inFlight, restartedAfterMs: downMs })
    })()
    // Never left unhandled while the load runs; awaited (and rethrown) below.
    faultRun.catch(() => {})

    const load = await runLoad({
      apiUrl: emulator.apiUrl,
      secretKey: emulator.secretKey,
      users: options.users,
      mutations: options.mutations,
      random: seededRandom(options.seed ^ 0x10ad),
    })
    log(`[chaos] ${name}: load done (${load.calls} calls), waiting for deliveries`)
    await faultRun
    await emulator.flush({ timeoutMs: options.flushTimeoutMs ?? 5 * 60_000 })

    const arrivals = front.arrivals()
    faults.cutMidBody = arrivals.filter((a) => a.cut === 'mid-body' && !a.unreachable).length
    faults.cutMidResponse = arrivals.filter(
      (a) => a.cut === 'mid-response' && !a.unreachable,
    ).length
    faults.unreachable = arrivals.filter((a) => a.unreachable).length

    const ids = [
      ...new Set(emulator.events().map((event) => (event.payload.data as { id: string }).id)),
    ]
    const view = await inspectStore(options.build, { ...storeEnv, ...db.serverEnv(db.target) }, ids)
    const convergence = await checkConvergence({ emulator, arrivals, raw: db, view })
    const selfCheck = options.selfCheck
      ? await tamperAndCheck({ emulator, arrivals, db, storeEnv, build: options.build, ids })
      : undefined
    return {
      name,
      seed: options.seed,
      timeScale,
      load,
      faults,
      ...convergence,
      unexpectedExits: fleet.unexpectedExits().map(({ index, code, signal, lastLines }) => ({
        index,
        code,
        signal,
        lastLines,
      })),
      serverErrors: emulator.deliveries().filter((a) => a.status !== null && a.status >= 500)
        .length,
      ...(selfCheck ? { selfCheck } : {}),
      poolErrorsLogged: fleet.countLines(/\[db\] (idle )?connection lost/),
      durationMs: Math.round(performance.now() - started),
    }
  } finally {
    finished = true
    // Everything stops even when the run failed: last started, first stopped.
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        log(
          `[chaos] ${name}: cleanup failed: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }
}

async function tamperAndCheck(input: {
  emulator: ClerkEmulator
  arrivals: Arrival[]
  db: ScopedDatabase
  storeEnv: Record<string, string>
  build: ServerBuild
  ids: string[]
}): Promise<NonNullable<ScenarioReport['selfCheck']>> {
  const { emulator, db } = input
  const q = (name: string) => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)
  const live = emulator.users()
  const deleted = emulator.events().find((event) => event.type === 'user.deleted')
  if (live.length < 2 || !deleted) throw new Error('selfCheck needs two live users and a deletion')
  const changed = live[0]!.id
  const removed = live[1]!.id
  const resurrected = (deleted.payload.data as { id: string }).id
  const users = q('clerk_sync_users')
  await db.query(`UPDATE ${users} SET first_name = ? WHERE id = ?`, ['Tampered', changed])
  await db.query(`DELETE FROM ${users} WHERE id = ?`, [removed])
  await db.query(
    `INSERT INTO ${users} (id, email, role, created_at, updated_at) SELECT ?, email, role, created_at, updated_at FROM ${users} WHERE id = ?`,
    [resurrected, changed],
  )
  const view = await inspectStore(
    input.build,
    { ...input.storeEnv, ...db.serverEnv(db.target) },
    input.ids,
  )
  const convergence = await checkConvergence({ emulator, arrivals: input.arrivals, raw: db, view })
  return { ...convergence, tampered: { changed, removed, resurrected } }
}

/** The one-line summary of a run, for the log and docs/reliability.md. */
export function summaryLine(report: ScenarioReport, runs = 1): string {
  const f = report.faults
  const outage = f.outages
    .map((o) => `${o.durationMs} ms, ${o.dropped} connections dropped, ${o.refused} refused`)
    .join('; ')
  return [
    `[chaos] ${report.name}: runs ${runs}`,
    `events ${report.events}`,
    `attempts ${report.attempts}`,
    `duplicates delivered ${report.duplicatesDelivered}`,
    `out-of-order pairs ${report.outOfOrderPairs}`,
    `5xx answers ${report.serverErrors}`,
    `faults injected ${f.outages.length + f.crashes.length + f.cutMidBody + f.cutMidResponse} (outage ${f.outages.length} [${outage}], SIGKILL ${f.crashes.length} [${f.crashes.map((c) => `${c.inFlight} in flight`).join('; ')}], cut mid-body ${f.cutMidBody}, cut mid-response ${f.cutMidResponse}, found server down ${f.unreachable})`,
    `lost ${report.lost.length}`,
    `resurrected ${report.resurrected.length}`,
    `mismatched ${report.mismatched.length}`,
    `undelivered ${report.undelivered.length}`,
    `violations ${report.violations.length}`,
    `unexpected exits ${report.unexpectedExits.length}`,
    `pool errors logged ${report.poolErrorsLogged}`,
    `${(report.durationMs / 1000).toFixed(1)} s`,
  ].join(', ')
}
