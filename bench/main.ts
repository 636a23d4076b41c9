/**
 * `pnpm bench`: clerk-sync's webhook path against its baselines, every path a real process.
 * Builds the servers as an app is built (the chaos harness's buildChaosServer, @clerk-sync/* from
 * dist), gives each store its own scoped database, then measures every path at each concurrency
 * in interleaved rounds (the order rotates each round, so ratios hold on a noisy machine), counts
 * what each event costs the database from its own counters, prints one table and writes
 * BENCHMARKS.md. `--quick`: a small run for CI that only proves the harness works (no file written).
 * Then the backfill suite (bench/backfill/suite.ts, issue 13): backfill, reconcile and webhook
 * latency beside their baselines, written as its own section of BENCHMARKS.md. Then the queue suite
 * (bench/queue/suite.ts, issue 15): direct mode vs queue mode on pg-boss, its own section too.
 * Everything listens on 127.0.0.1; every process and scoped database is removed at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateSigningSecret } from '@clerk-sync/testing'
import {
  buildChaosServer,
  createScopedDatabase,
  type ScopedDatabase,
  type ServerBuild,
} from '../test-support/chaos/index.js'
import { appDdl } from '../test-support/seed-app.js'
import { mergeBenchmarks, renderBackfillSection, renderBackfillTables } from './backfill/report.js'
import { backfillSettings, runBackfillSuite } from './backfill/suite.js'
import { type CounterResult, collectCounters, counterReader } from './counters.js'
import { allPaths, type BenchPath, selectPaths } from './paths.js'
import {
  mergeQueueSection,
  removeQueueSection,
  renderQueueSection,
  renderQueueTables,
} from './queue/report.js'
import { queueBenchSettings, runQueueSuite } from './queue/suite.js'
import { type Measurement, type ReportContext, renderMarkdown, renderTable } from './report.js'
import { type ServerProcess, startServerProcess } from './server-process.js'
import { type RunRequest, type RunResult, type Settings, UsageError } from './shared.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const pkg = (path: string) => join(root, 'packages', path)

/** The command line: `--quick`, `--out <file>`, and the focused-run options (bench/README.md). */
interface Args {
  quick: boolean
  counters: boolean
  out: string | null
  only: string[] | null
  concurrencies: number[] | null
  rounds: number | null
  cpuProf: string | null
  /** `--users <n>`: users in the backfill suite's emulator (default 100,000; 5,000 with --quick). */
  users: number | null
}

const positiveInts = (flag: string, value: string) =>
  value.split(',').map((part) => {
    const number = Number(part.trim())
    if (!Number.isInteger(number) || number < 1)
      throw new UsageError(
        `bench: ${flag} takes positive whole numbers, got ${JSON.stringify(value)}`,
      )
    return number
  })

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false,
    counters: false,
    out: null,
    only: null,
    concurrencies: null,
    rounds: null,
    cpuProf: null,
    users: null,
  }
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === '--') continue // `pnpm bench -- --quick`
    if (arg === '--quick') args.quick = true
    else if (arg === '--counters') args.counters = true
    else {
      const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg]
      const value = inline ?? argv[++index]
      const takesValue = ['--out', '--only', '--concurrency', '--rounds', '--cpu-prof', '--users']
      if (!flag || !takesValue.includes(flag))
        throw new UsageError(
          `bench: unknown option ${arg}; the options are --quick, --out <file>, --only <paths>, --concurrency <list>, --rounds <n>, --cpu-prof <dir>, --counters, --users <n>`,
        )
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`bench: ${flag} needs a value`)
      if (flag === '--out') args.out = value
      else if (flag === '--only')
        args.only = value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      else if (flag === '--concurrency') args.concurrencies = positiveInts(flag, value)
      else if (flag === '--rounds') {
        const [rounds, ...more] = positiveInts(flag, value)
        if (more.length > 0) throw new UsageError(`bench: --rounds takes one number, got ${value}`)
        args.rounds = rounds!
      } else if (flag === '--users') {
        const [users, ...more] = positiveInts(flag, value)
        if (more.length > 0) throw new UsageError(`bench: --users takes one number, got ${value}`)
        args.users = users!
      } else args.cpuProf = value
    }
  }
  return args
}

function settingsFrom(args: Args, argv: string[]): Settings & { out: string | null } {
  const { quick } = args
  const focused =
    args.only !== null ||
    args.concurrencies !== null ||
    args.rounds !== null ||
    args.cpuProf !== null ||
    args.users !== null
  // A focused run writes no file unless asked to: BENCHMARKS.md holds whole runs only.
  const out = args.out ?? (quick || focused ? null : 'BENCHMARKS.md')
  const common = {
    quick,
    focused,
    out,
    cpuProfDir: args.cpuProf === null ? null : resolve(root, args.cpuProf),
    // The counters cost 11 s of quiet per database path: a focused run reads them on request.
    counters: !focused || args.counters,
    command: ['pnpm bench', ...argv].join(' '),
    poolMax: 15,
  }
  if (quick)
    return {
      ...common,
      concurrencies: args.concurrencies ?? [8],
      deliveries: () => 60,
      warmup: () => 20,
      rounds: args.rounds ?? 1,
      maxSeconds: 15,
      counterDeliveries: 40,
      counterConcurrency: 8,
    }
  return {
    ...common,
    concurrencies: args.concurrencies ?? [1, 8, 32, 64],
    deliveries: (c) => (c === 1 ? 300 : c === 8 ? 1000 : 1500),
    warmup: (c) => (c === 1 ? 30 : 100),
    rounds: args.rounds ?? 3,
    maxSeconds: 20,
    counterDeliveries: 500,
    counterConcurrency: 8,
  }
}

const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = []
const children = new Set<ChildProcess>()

async function cleanUp(): Promise<void> {
  for (const child of children) child.kill('SIGKILL')
  while (cleanups.length > 0) {
    const step = cleanups.pop()!
    try {
      await step.run()
    } catch (error) {
      console.error(`bench: cleanup ${step.name} failed: ${(error as Error).message}`)
    }
  }
}

/** Runs a built entry as a child, sends it one message, waits for its `result` (bounded). */
function runChild<T>(
  build: ServerBuild,
  entry: string,
  env: Record<string, string>,
  message: unknown,
  timeoutMs: number,
): Promise<T> {
  const child = spawn(process.execPath, [join(build.dir, entry)], {
    cwd: build.dir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  children.add(child)
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000)
  })
  return new Promise<T>((resolve, reject) => {
    let result: T | undefined
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${entry} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (reply: { type?: string; result?: T }) => {
      if (reply?.type === 'result') result = reply.result
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      if (result !== undefined) resolve(result)
      else
        reject(
          new Error(
            `${entry} exited (code ${code}, signal ${signal}) without a result:\n${stderr}`,
          ),
        )
    })
    child.send(message as object)
  })
}

async function readStall(port: number): Promise<{ maxMs: number; cpuMs: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/__bench/stall`, {
    signal: AbortSignal.timeout(5000),
  })
  return (await response.json()) as { maxMs: number; cpuMs: number }
}

function versionOf(build: ServerBuild): string {
  // better-sqlite3 bundles its own SQLite; ask the copy the servers load.
  const script =
    "import D from 'better-sqlite3'; const d = new D(':memory:'); console.log(d.prepare('select sqlite_version() v').get().v)"
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: build.dir,
    encoding: 'utf8',
    timeout: 30_000,
  }).trim()
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  const args = parseArgs(argv)
  const settings = settingsFrom(args, argv)
  const startedAt = Date.now()
  // `--only backfill` and `--only queue` select those suites; the other names are webhook paths.
  const webhookNames = args.only?.filter((name) => name !== BACKFILL && name !== QUEUE) ?? null
  const runBackfill = args.only === null || args.only.includes(BACKFILL)
  const runQueue = args.only === null || args.only.includes(QUEUE)
  const paths =
    webhookNames === null
      ? allPaths.filter((path) => !settings.quick || path.quick)
      : webhookNames.length > 0
        ? selectPaths(webhookNames)
        : []
  const backfill = backfillSettings(settings.quick, args.users)
  console.log(
    `bench: ${settings.quick ? 'quick' : 'full'}${settings.focused ? ', focused' : ''} run, ${paths.length} paths (${paths.map((path) => path.key).join(', ')}), concurrency ${settings.concurrencies.join('/')}, ${settings.rounds} round(s)${runBackfill ? `; backfill of ${backfill.users.toLocaleString('en-US')} users` : ''}${runQueue ? '; queue mode' : ''}`,
  )
  if (settings.cpuProfDir) mkdirSync(settings.cpuProfDir, { recursive: true })

  const build = await buildChaosServer({
    entries: {
      'bench-server': join(root, 'bench/server/main.ts'),
      'bench-load': join(root, 'bench/load.ts'),
      'bench-raw': join(root, 'bench/raw-driver.ts'),
      'bench-backfill-emulator': join(root, 'bench/backfill/emulator-process.ts'),
      'bench-backfill-worker': join(root, 'bench/backfill/worker.ts'),
      'bench-backfill-load': join(root, 'bench/backfill/paced-load.ts'),
      'bench-queue-app': join(root, 'bench/queue/app.ts'),
      'bench-queue-load': join(root, 'bench/queue/load.ts'),
    },
    dependencies: {
      '@clerk-sync/testing': pkg('testing'),
      '@clerk/backend': join(root, 'node_modules/@clerk/backend'),
      svix: join(root, 'node_modules/svix'),
      postgres: pkg('store-drizzle/node_modules/postgres'),
      'better-sqlite3': pkg('store-drizzle/node_modules/better-sqlite3'),
      '@clerk-sync/queue-pg-boss': pkg('queue-pg-boss'),
      'pg-boss': pkg('queue-pg-boss/node_modules/pg-boss'),
    },
  })
  cleanups.push({ name: 'app directory', run: () => build.remove() })

  const webhook = paths.length > 0 ? await runWebhookSuite(build, settings, paths, startedAt) : null
  const backfillResult = runBackfill ? await runBackfillSuite(build, backfill, cleanups) : null
  if (backfillResult) console.log(`\n${renderBackfillTables(backfillResult)}`)
  const queueResult = runQueue
    ? await runQueueSuite(build, queueBenchSettings(settings.quick), cleanups)
    : null
  if (queueResult) console.log(`\n${renderQueueTables(queueResult)}`)
  const problems = [
    ...(webhook?.problems ?? []),
    ...(backfillResult?.problems ?? []),
    ...(queueResult?.problems ?? []),
  ]
  if (settings.out) {
    const file = resolve(root, settings.out)
    const existing = existsSync(file) ? readFileSync(file, 'utf8') : null
    const document = webhook ? renderMarkdown(webhook.context) : null
    const section = backfillResult ? renderBackfillSection(backfillResult, settings.command) : null
    const queueSection = queueResult ? renderQueueSection(queueResult, settings.command) : null
    const merged = mergeBenchmarks(
      existing === null ? null : removeQueueSection(existing),
      document,
      section,
    )
    writeFileSync(file, mergeQueueSection(merged, existing, queueSection))
    // Align the tables as the repository's formatter does, so `pnpm lint` accepts the file.
    try {
      execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', file], {
        cwd: root,
        stdio: 'ignore',
        timeout: 30_000,
      })
    } catch {
      console.error(`bench: could not format ${settings.out} with biome; run pnpm format`)
    }
    console.log(`bench: wrote ${settings.out}`)
  }
  console.log(`bench: finished in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`)
  for (const problem of problems) console.error(`bench: FAILED: ${problem}`)
  return problems.length > 0 ? 1 : 0
}

/** The `--only` names of the backfill and queue suites. */
const BACKFILL = 'backfill'
const QUEUE = 'queue'

/** The webhook write path beside its baselines (issue 12): its report context and problems. */
async function runWebhookSuite(
  build: ServerBuild,
  settings: Settings & { out: string | null },
  paths: BenchPath[],
  startedAt: number,
): Promise<{ context: ReportContext; problems: string[] }> {
  const secret = generateSigningSecret()
  const profileOf = (path: BenchPath) => `${path.key}.cpuprofile`
  // Scoped databases: one per store, one for the baselines' `users` table, per database.
  const scoped = new Map<string, ScopedDatabase>()
  const scopedFor = async (path: BenchPath): Promise<ScopedDatabase | null> => {
    if (path.group !== 'postgres' && path.group !== 'mariadb') return null
    const key = `${path.group}:${path.database}`
    let database = scoped.get(key)
    if (!database) {
      database = await createScopedDatabase(path.group)
      scoped.set(key, database)
      const created = database
      cleanups.push({ name: `database ${created.name}`, run: () => created.drop() })
      if (path.database === 'baselines')
        await database.query(path.group === 'postgres' ? appDdl.pg[0]! : appDdl.mysql[0]!)
      if (path.database === 'prisma-pg') await database.applyPrismaMigration()
    }
    return database
  }
  const sqliteDir = mkdtempSync(join(os.tmpdir(), 'clerk-sync-bench-sqlite-'))
  cleanups.push({
    name: 'sqlite files',
    run: () => rmSync(sqliteDir, { recursive: true, force: true }),
  })

  const envOf = new Map<string, Record<string, string>>()
  for (const path of paths) {
    const database = await scopedFor(path)
    const env: Record<string, string> = {
      ...path.env,
      CLERK_WEBHOOK_SIGNING_SECRET: secret,
      DATABASE_POOL_MAX: String(settings.poolMax),
    }
    if (database) Object.assign(env, database.serverEnv(database.target))
    if (path.env.SQLITE_NAME) env.SQLITE_FILE = join(sqliteDir, `${path.env.SQLITE_NAME}.db`)
    envOf.set(path.key, env)
  }

  // Every server at once, each its own process; they stay up, idle, while the others run.
  // With --cpu-prof each writes <dir>/<key>.cpuprofile when it exits (stop() lets it).
  const servers = new Map<string, ServerProcess>()
  const starts = await Promise.allSettled(
    paths
      .filter((path) => path.kind !== 'a')
      .map(async (path) => {
        const server = await startServerProcess({
          entry: join(build.dir, 'bench-server.mjs'),
          cwd: build.dir,
          env: envOf.get(path.key)!,
          execArgv: settings.cpuProfDir
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${settings.cpuProfDir}`,
                `--cpu-prof-name=${profileOf(path)}`,
              ]
            : [],
        })
        servers.set(path.key, server)
        cleanups.push({ name: `server ${path.key}`, run: () => server.stop() })
      }),
  )
  const failed = starts.find((start) => start.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason

  const measure = async (path: BenchPath, request: RunRequest): Promise<Measurement> => {
    const timeoutMs = request.maxSeconds * 2 * 1000 + 60_000
    if (path.kind === 'a') {
      const result = await runChild<RunResult>(
        build,
        'bench-raw.mjs',
        envOf.get(path.key)!,
        { request },
        timeoutMs,
      )
      return {
        result,
        stallMs: result.stallMs ?? Number.NaN,
        cpuMs: result.cpuMs ?? Number.NaN,
        cpuEvents: result.events,
      }
    }
    const port = servers.get(path.key)!.port
    await readStall(port) // resets the server's histogram
    const result = await runChild<RunResult>(
      build,
      'bench-load.mjs',
      {},
      { url: `http://127.0.0.1:${port}/api/webhooks`, secret, request },
      timeoutMs,
    )
    const server = await readStall(port)
    // The server's CPU time covers the warm-up deliveries too.
    return {
      result,
      stallMs: server.maxMs,
      cpuMs: server.cpuMs,
      cpuEvents: result.events + request.warmup,
    }
  }

  const measurements = new Map<string, Measurement[]>() // `${key}@${c}` → one per round
  for (const concurrency of settings.concurrencies) {
    for (let round = 0; round < settings.rounds; round++) {
      // Rotate the order each round: no path always runs first, or right after the same one.
      const order = paths.map((_, i) => paths[(i + round * 3) % paths.length]!)
      for (const path of order) {
        const request: RunRequest = {
          concurrency,
          deliveries: settings.deliveries(concurrency),
          warmup: settings.warmup(concurrency),
          maxSeconds: settings.maxSeconds,
          createdShare: 0.7,
        }
        const measurement = await measure(path, request)
        const key = `${path.key}@${concurrency}`
        measurements.set(key, [...(measurements.get(key) ?? []), measurement])
        const r = measurement.result
        // bench/pg-stat-statements.ts reads this line (the events, to count per event).
        console.log(
          `  c=${concurrency} round ${round + 1}/${settings.rounds} ${path.key.padEnd(20)} ${r.eventsPerSecond.toFixed(0).padStart(6)} ev/s  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  non-2xx ${r.non2xx}  stall ${measurement.stallMs.toFixed(1)} ms  events ${r.events} (+${request.warmup} warm-up)`,
        )
      }
    }
  }

  // What each event costs the database, from its own counters, one path at a time.
  const counters: CounterResult[] = []
  const lastRead = new Map<string, Record<string, number>>()
  for (const path of paths) {
    if (!settings.counters) break
    if (path.group !== 'postgres' && path.group !== 'mariadb') continue
    const request: RunRequest = {
      concurrency: settings.counterConcurrency,
      deliveries: settings.counterDeliveries,
      warmup: 0,
      maxSeconds: settings.maxSeconds,
      createdShare: 0.7,
    }
    const admin = (await scopedFor(path))!
    const read = counterReader(path.group, admin)
    const before = lastRead.get(path.group) ?? (await read())
    console.log(`  counting what ${path.key} costs the database`)
    const { counters: counted, after } = await collectCounters(path, before, read, () =>
      measure(path, request),
    )
    counters.push(counted)
    lastRead.set(path.group, after)
  }

  const machine = {
    cpus: os.cpus(),
    memoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: await settingLines(scoped, 'postgres'),
    mariadb: await settingLines(scoped, 'mariadb'),
    sqlite: versionOf(build),
  }
  const elapsedSeconds = (Date.now() - startedAt) / 1000
  const context = { settings, paths, measurements, counters, machine, elapsedSeconds }
  console.log(`\n${renderTable(context)}`)

  // The harness's own checks: no timing is asserted, only that it worked.
  const problems: string[] = []
  for (const [key, server] of servers) {
    const exit = server.unexpectedExit()
    if (exit)
      problems.push(
        `server ${key} exited (code ${exit.code}, signal ${exit.signal}):\n${exit.lastLines.join('\n')}`,
      )
  }
  for (const path of paths)
    for (const concurrency of settings.concurrencies) {
      const runs = measurements.get(`${path.key}@${concurrency}`) ?? []
      if (runs.length === 0 || runs.some((run) => run.result.events === 0))
        problems.push(`${path.key} at c=${concurrency}: no result`)
      const non2xx = runs.reduce((sum, run) => sum + run.result.non2xx, 0)
      if ((path.kind === 'clerk-sync' || path.kind === 'd') && non2xx > 0)
        problems.push(`${path.key} at c=${concurrency}: ${non2xx} non-2xx answers from clerk-sync`)
    }
  if (settings.cpuProfDir) {
    // A server writes its profile as it exits: stop them now to say what was written.
    await Promise.all([...servers.values()].map((server) => server.stop()))
    const written = paths
      .filter((path) => servers.has(path.key))
      .map((path) => join(settings.cpuProfDir!, profileOf(path)))
    for (const file of written)
      console.log(`bench: ${existsSync(file) ? 'wrote' : 'FAILED to write'} ${file}`)
    for (const file of written.filter((file) => !existsSync(file)))
      problems.push(`no CPU profile at ${file}`)
  }
  return { context, problems }
}

async function settingLines(scoped: Map<string, ScopedDatabase>, group: string) {
  const database = [...scoped.entries()].find(([key]) => key.startsWith(`${group}:`))?.[1]
  if (!database) return null
  if (group === 'postgres') {
    const rows = await database.query(
      "SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'shared_buffers', 'max_connections', 'commit_delay') ORDER BY name",
    )
    return rows.map((row) => `${row.name}=${row.setting}${row.unit ? ` (${row.unit})` : ''}`)
  }
  const rows = await database.query(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'innodb_flush_log_at_trx_commit', 'sync_binlog', 'log_bin', 'innodb_buffer_pool_size', 'max_connections', 'transaction_isolation', 'tx_isolation')",
  )
  return rows.map((row) => `${row.Variable_name}=${row.Value}`)
}

let exitCode = 1
const interrupted = (signal: NodeJS.Signals) => {
  console.error(`bench: ${signal}, stopping every process`)
  cleanUp().finally(() => process.exit(130))
}
process.once('SIGINT', interrupted)
process.once('SIGTERM', interrupted)
try {
  exitCode = await main()
} catch (error) {
  if (error instanceof UsageError) console.error(error.message)
  else console.error('bench: the harness failed:', error)
  exitCode = 1
} finally {
  await cleanUp()
}
process.exit(exitCode)
