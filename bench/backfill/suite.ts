/**
 * The backfill bench (issue 13), run by bench/main.ts: `sync.backfill` of N users from an emulator
 * in its own process into Postgres (Drizzle on node-postgres), beside baselines measured in the
 * same run: (a) the emulator's page-serving rate, (b) a per-user upsert loop, (c) the raw driver's
 * multi-row INSERT. Then the backfill's and reconcile's resident-memory growth at two sizes, each
 * in its own process, and a live webhook server's p99 idle and during a backfill. Nothing is
 * asserted on timing: targets are printed as pass or miss; the run fails only when something
 * broke (a process, a count, a non-2xx).
 */
import os from 'node:os'
import { generateSigningSecret } from '@clerk-sync/testing'
import {
  createScopedDatabase,
  type ScopedDatabase,
  type ServerBuild,
} from '../../test-support/chaos/index.js'
import {
  type EmulatorProcess,
  killAll,
  runTask,
  startEmulatorProcess,
  startWebhookServer,
} from './child.js'
import type {
  BackfillRunResult,
  ClerkTarget,
  PagesResult,
  PerUserResult,
  RawInsertResult,
  ReconcileRunResult,
  WorkerTask,
} from './messages.js'
import type { PacedLoadRequest, PacedLoadResult } from './paced-load.js'
import { startWaitSampler, withApplicationName } from './wait-sampler.js'

export interface BackfillSettings {
  quick: boolean
  /** Users in the emulator for the throughput runs (and the larger memory size). */
  users: number
  /** The smaller memory size. */
  smallUsers: number
  pageSize: number
  /** How long the per-user loop runs (a subset of the users). */
  perUserSeconds: number
  rowsPerStatement: number
  webhookRatePerSecond: number
  idleSeconds: number
  /** Rounds of the throughput runs ((a), backfill, (b), (c)), the order rotated each round. */
  rounds: number
  /** The backfills beside the webhook load, in order: unthrottled first, then capped ones. */
  webhookBackfills: BackfillPacing[]
}

/** How a backfill is paced: its page size and its `maxUsersPerSecond` (null: no cap). */
export interface BackfillPacing {
  pageSize: number
  maxUsersPerSecond: number | null
}

export function backfillSettings(quick: boolean, users: number | null): BackfillSettings {
  const total = users ?? (quick ? 5000 : 100_000)
  return {
    quick,
    users: total,
    smallUsers: users === null ? (quick ? 1000 : 10_000) : Math.max(1, Math.floor(total / 10)),
    pageSize: 500,
    perUserSeconds: quick ? 3 : 15,
    rowsPerStatement: 500,
    webhookRatePerSecond: 50,
    idleSeconds: quick ? 3 : 10,
    rounds: quick ? 1 : 3,
    // Two caps at the default page size and at a fifth of it (smaller pages mean smaller commits,
    // less write-ahead log for a webhook's commit to wait behind, at five times the requests),
    // then a lower cap with the smaller pages.
    webhookBackfills: [
      { pageSize: 500, maxUsersPerSecond: null },
      { pageSize: 500, maxUsersPerSecond: 5000 },
      { pageSize: 100, maxUsersPerSecond: 5000 },
      { pageSize: 500, maxUsersPerSecond: 2000 },
      { pageSize: 100, maxUsersPerSecond: 2000 },
      { pageSize: 100, maxUsersPerSecond: 1000 },
    ],
  }
}

/** One backfill beside the webhook load. */
export interface WebhookRun {
  pacing: BackfillPacing
  load: PacedLoadResult
  backfill: BackfillRunResult
  /** The webhook server's longest event-loop stall during the backfill. */
  serverStallMs: number
  /** What each side's active Postgres backends were doing (wait-sampler.ts). */
  waits: { webhook: Record<string, number>; backfill: Record<string, number> }
}

export interface MemoryRun {
  users: number
  backfill: BackfillRunResult
  reconcile: ReconcileRunResult
}

export interface BackfillSuiteResult {
  settings: BackfillSettings
  seedSeconds: number
  /** One of each per round, in round order. */
  rounds: Array<{
    pages: PagesResult
    backfill: BackfillRunResult
    perUser: PerUserResult
    rawInsert: RawInsertResult
  }>
  /** Backfill and reconcile at the smaller size, then at the larger (its first round's backfill). */
  memory: MemoryRun[]
  webhook: {
    idle: PacedLoadResult
    /** The webhook server's longest event-loop stall while idle (warm-up included). */
    idleStallMs: number
    /** One per `settings.webhookBackfills`, in order; the first is unthrottled. */
    runs: WebhookRun[]
  }
  elapsedSeconds: number
  /** `os.loadavg()` (1, 5, 15 min) when the suite started and ended: how busy the machine was. */
  loadAverage: { start: number[]; end: number[] }
  problems: string[]
}

const TASK_TIMEOUT_MS = 15 * 60_000
const WORKER = 'bench-backfill-worker.mjs'
/** The memory sampler collects garbage before its baseline and after the work (rss-sampler.ts). */
const WORKER_FLAGS = ['--expose-gc']
/** `application_name` of each side's connections, to sample their waits. */
const WEBHOOK_APP = 'bench_webhook_server'
const BACKFILL_APP = 'bench_backfill'

export async function runBackfillSuite(
  build: ServerBuild,
  settings: BackfillSettings,
  cleanups: Array<{ name: string; run: () => Promise<void> | void }>,
): Promise<BackfillSuiteResult> {
  const startedAt = Date.now()
  const loadAtStart = os.loadavg()
  cleanups.push({ name: 'backfill processes', run: killAll })
  const problems: string[] = []
  const log = (line: string) => console.log(`  backfill: ${line}`)
  const schema = async (): Promise<ScopedDatabase> => {
    const database = await createScopedDatabase('postgres')
    // Dropped as soon as a step is done with it, or at the end if a step failed: once.
    let dropped: Promise<void> | null = null
    const drop = () => {
      dropped ??= database.drop()
      return dropped
    }
    cleanups.push({ name: `database ${database.name}`, run: drop })
    return { ...database, drop }
  }
  const envOf = (database: ScopedDatabase) => database.serverEnv(database.target)
  const task = <T>(database: ScopedDatabase | null, message: WorkerTask) =>
    runTask<T>(
      build,
      WORKER,
      database ? envOf(database) : {},
      message,
      TASK_TIMEOUT_MS,
      undefined,
      WORKER_FLAGS,
    ).result
  const emulatorTimeoutMs = Math.max(120_000, settings.users * 3)
  const startEmulator = async (users: number) => {
    const emulator = await startEmulatorProcess(build, users, emulatorTimeoutMs)
    cleanups.push({ name: `emulator of ${users} users`, run: () => emulator.stop() })
    log(
      `emulator seeded ${users.toLocaleString('en-US')} users in ${emulator.seedSeconds.toFixed(1)} s`,
    )
    return emulator
  }
  /** `alsoWritten`: users the webhook load added to the same table meanwhile (at most). */
  const checkBackfill = (
    label: string,
    result: BackfillRunResult,
    users: number,
    alsoWritten = 0,
  ) => {
    if (result.users !== users) problems.push(`${label}: scanned ${result.users} of ${users} users`)
    if (result.failed > 0) problems.push(`${label}: ${result.failed} users failed`)
    if (result.rowsAfter < users || result.rowsAfter > users + alsoWritten)
      problems.push(
        `${label}: ${result.rowsAfter} rows in the users table, expected ${users}${alsoWritten ? ` to ${users + alsoWritten}` : ''}`,
      )
  }
  const checkReconcile = (label: string, result: ReconcileRunResult, users: number) => {
    const drift = result.missing + result.different + result.gone
    if (result.clerkScanned !== users || drift > 0)
      problems.push(
        `${label}: reconcile after a complete backfill scanned ${result.clerkScanned} of ${users} and found drift (missing ${result.missing}, different ${result.different}, gone ${result.gone})`,
      )
  }
  const backfillRun = async (emulator: EmulatorProcess, database: ScopedDatabase) => {
    const backfill = await task<BackfillRunResult>(database, {
      kind: 'backfill',
      clerk: emulator,
      pageSize: settings.pageSize,
    })
    checkBackfill(`backfill of ${emulator.users}`, backfill, emulator.users)
    log(
      `backfill of ${emulator.users}: ${backfill.usersPerSecond.toFixed(0)} users/s, RSS +${backfill.rss.growthMb.toFixed(1)} MB`,
    )
    return backfill
  }
  /** Reconcile after a backfill over the same schema, then the schema goes. */
  const memoryRun = async (
    emulator: EmulatorProcess,
    database: ScopedDatabase,
    backfill: BackfillRunResult,
  ): Promise<MemoryRun> => {
    const clerk: ClerkTarget = emulator
    const reconcile = await task<ReconcileRunResult>(database, { kind: 'reconcile', clerk })
    checkReconcile(`reconcile of ${emulator.users}`, reconcile, emulator.users)
    log(
      `reconcile of ${emulator.users}: ${reconcile.seconds.toFixed(1)} s, RSS +${reconcile.rss.growthMb.toFixed(1)} MB`,
    )
    await database.drop()
    return { users: emulator.users, backfill, reconcile }
  }

  // The smaller memory size, on an emulator of its own size.
  const small = await startEmulator(settings.smallUsers)
  const smallDatabase = await schema()
  const memory = [await memoryRun(small, smallDatabase, await backfillRun(small, smallDatabase))]
  await small.stop()

  const emulator = await startEmulator(settings.users)
  const clerk: ClerkTarget = emulator
  const { pageSize } = settings
  const rounds: BackfillSuiteResult['rounds'] = []
  for (let round = 0; round < settings.rounds; round++) {
    log(`round ${round + 1}/${settings.rounds}`)
    const steps = {
      pages: async () => {
        const pages = await task<PagesResult>(null, { kind: 'pages', clerk, pageSize })
        if (pages.users !== settings.users)
          problems.push(`(a) pages: ${pages.users} of ${settings.users} users served`)
        log(`(a) emulator pages: ${pages.usersPerSecond.toFixed(0)} users/s`)
        return pages
      },
      backfill: async () => {
        const database = await schema()
        const backfill = await backfillRun(emulator, database)
        // The first round's backfill is the larger memory size's; reconcile follows it.
        if (round === 0) memory.push(await memoryRun(emulator, database, backfill))
        else await database.drop()
        return backfill
      },
      rawInsert: async () => {
        const database = await schema()
        const rawInsert = await task<RawInsertResult>(database, {
          kind: 'raw-insert',
          clerk,
          pageSize,
          rowsPerStatement: settings.rowsPerStatement,
        })
        await database.drop()
        log(`(c) raw multi-row insert: ${rawInsert.usersPerSecond.toFixed(0)} users/s`)
        return rawInsert
      },
      perUser: async () => {
        const database = await schema()
        const perUser = await task<PerUserResult>(database, {
          kind: 'per-user',
          clerk,
          pageSize,
          maxSeconds: settings.perUserSeconds,
        })
        await database.drop()
        log(
          `(b) per-user loop: ${perUser.usersPerSecond.toFixed(0)} users/s over ${perUser.users} users`,
        )
        return perUser
      },
    }
    // Rotate the order each round: no measurement always runs first, or after the same one.
    const names = Object.keys(steps) as Array<keyof typeof steps>
    const results: Partial<{ [K in keyof typeof steps]: Awaited<ReturnType<(typeof steps)[K]>> }> =
      {}
    for (let index = 0; index < names.length; index++) {
      const name = names[(index + round) % names.length]!
      Object.assign(results, { [name]: await steps[name]() })
    }
    rounds.push(results as BackfillSuiteResult['rounds'][number])
  }

  const webhook = await measureWebhookLatency(build, settings, clerk, await schema(), log)
  const phases = [
    { phase: 'idle', load: webhook.idle },
    ...webhook.runs.map((run) => ({ phase: describePacing(run.pacing), load: run.load })),
  ]
  for (const { phase, load } of phases)
    if (load.non2xx > 0)
      problems.push(
        `webhook (${phase}): ${load.non2xx} non-2xx answers from clerk-sync: ${JSON.stringify(load.statuses)}`,
      )
  // Each run starts on an emptied users table; the webhook load adds its own users meanwhile.
  for (const run of webhook.runs)
    checkBackfill(
      `backfill beside webhooks (${describePacing(run.pacing)})`,
      run.backfill,
      settings.users,
      run.load.sent + 2 * settings.webhookRatePerSecond,
    )
  await emulator.stop()
  return {
    settings,
    seedSeconds: emulator.seedSeconds,
    rounds,
    memory,
    webhook,
    elapsedSeconds: (Date.now() - startedAt) / 1000,
    loadAverage: { start: loadAtStart, end: os.loadavg() },
    problems,
  }
}

/** `unthrottled, page 500` or `≤ 2,000 users/s, page 100`. */
export function describePacing(pacing: BackfillPacing): string {
  const cap =
    pacing.maxUsersPerSecond === null
      ? 'unthrottled'
      : `≤ ${pacing.maxUsersPerSecond.toLocaleString('en-US')} users/s`
  return `${cap}, page ${pacing.pageSize}`
}

/**
 * A clerk-sync webhook server (bench/server/main.ts: Express, the Drizzle store on a
 * node-postgres Pool, group commit on as `createClerkSync` defaults) over the same Postgres schema
 * the backfill writes, under a fixed rate of signed deliveries: p99 idle, then during each
 * backfill of `settings.webhookBackfills` (unthrottled, then capped), each on an emptied table.
 */
async function measureWebhookLatency(
  build: ServerBuild,
  settings: BackfillSettings,
  clerk: ClerkTarget,
  database: ScopedDatabase,
  log: (line: string) => void,
): Promise<BackfillSuiteResult['webhook']> {
  const secret = generateSigningSecret()
  const base = database.serverEnv(database.target)
  const named = (name: string) => ({
    ...base,
    DATABASE_URL: withApplicationName(base.DATABASE_URL!, name),
  })
  const server = await startWebhookServer(build, {
    ...named(WEBHOOK_APP),
    BENCH_PATH: 'clerk-sync',
    BENCH_STORE: 'drizzle-pg',
    BENCH_GROUP_COMMIT: '1',
    CLERK_WEBHOOK_SIGNING_SECRET: secret,
    DATABASE_POOL_MAX: '15',
  })
  try {
    const url = `http://127.0.0.1:${server.port}/api/webhooks`
    const load = (seconds: number | null, warmupSeconds: number | null) => {
      const request: PacedLoadRequest = {
        url,
        secret,
        ratePerSecond: settings.webhookRatePerSecond,
        warmupSeconds,
        seconds,
      }
      return runTask<PacedLoadResult>(
        build,
        'bench-backfill-load.mjs',
        {},
        { type: 'start', request },
        TASK_TIMEOUT_MS,
      )
    }
    // The server's longest event-loop stall (bench/server/main.ts), reset by each read.
    const stall = async () => {
      const response = await fetch(`http://127.0.0.1:${server.port}/__bench/stall`, {
        signal: AbortSignal.timeout(5000),
      })
      return ((await response.json()) as { maxMs: number }).maxMs
    }
    const idle = await load(settings.idleSeconds, 2).result
    const idleStallMs = await stall()
    const runs: WebhookRun[] = []
    for (const pacing of settings.webhookBackfills) {
      // Every backfill inserts into an empty table, as the first one would.
      await database.query('TRUNCATE clerk_sync_users')
      await stall()
      // The load runs warm (sockets open, its process started) while the backfill's worker starts;
      // it counts from the backfill's start (the worker says so) to its end.
      const running = load(null, null)
      let started = false
      const waits = startWaitSampler(database, [WEBHOOK_APP, BACKFILL_APP])
      const task: WorkerTask = {
        kind: 'backfill',
        clerk,
        pageSize: pacing.pageSize,
        ...(pacing.maxUsersPerSecond === null
          ? {}
          : { maxUsersPerSecond: pacing.maxUsersPerSecond }),
      }
      const backfill = await runTask<BackfillRunResult>(
        build,
        WORKER,
        named(BACKFILL_APP),
        task,
        TASK_TIMEOUT_MS,
        (message) => {
          if (message.type !== 'started') return
          started = true
          running.send({ type: 'measure' })
        },
      ).result
      if (!started) throw new Error('the backfill worker never said it started')
      running.send({ type: 'stop' })
      const waited = await waits.stop()
      const crash = server.crashed()
      if (crash) throw new Error(`the webhook server ${crash}`)
      const during = await running.result
      runs.push({
        pacing,
        load: during,
        backfill,
        serverStallMs: await stall(),
        waits: { webhook: waited[WEBHOOK_APP] ?? {}, backfill: waited[BACKFILL_APP] ?? {} },
      })
      log(
        `webhook p99 beside a backfill (${describePacing(pacing)}, ${backfill.usersPerSecond.toFixed(0)} users/s): ${during.p99Ms.toFixed(1)} ms (idle ${idle.p99Ms.toFixed(1)} ms)`,
      )
    }
    return { idle, idleStallMs, runs }
  } finally {
    await server.stop()
    await database.drop()
  }
}
