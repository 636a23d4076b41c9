/**
 * Statements and server time per event on Postgres, from pg_stat_statements (issue 12). The
 * extension needs `shared_preload_libraries` and a restart, which the shared server must never
 * get, so this initdb's a throwaway cluster in a temporary folder (owned by the `postgres` OS
 * user when run as root), starts it on a free port from 5499 with the shared server's durability
 * settings (fsync, synchronous_commit, ...: read with SHOW, nothing changed there), and runs
 * `bench/main.ts` against it once per path (`--only <path>`, CLERK_SYNC_TEST_POSTGRES_URL pointed
 * at it), resetting the statistics before each run and reading them after. Per path it prints
 * the events delivered, statements, BEGIN/COMMIT, execution and planning time per event, commits
 * and WAL flushes per event, and the top statements by total time. The cluster is stopped and
 * the folder removed at the end, also on failure or Ctrl-C.
 *
 *   pnpm exec tsx bench/pg-stat-statements.ts [--port <n>] [--pg-bin <dir>] [-- bench args]
 *
 * The bench args default to `--only drizzle-pg,drizzle-pg-gc,postgres-js,prisma-pg,floor,naive
 * --concurrency 32 --rounds 1`; `--only` names Postgres paths only, `--counters` is refused.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { postgresUrl as sharedUrl } from '../test-support/databases.js'
import { type BenchPath, selectPaths } from './paths.js'
import { UsageError } from './shared.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const DEFAULT_PATHS = ['drizzle-pg', 'drizzle-pg-gc', 'postgres-js', 'prisma-pg', 'floor', 'naive']
const DEFAULT_BENCH_ARGS = { '--concurrency': '32', '--rounds': '1' }
/** Settings copied from the shared server, so a commit costs here what it costs there. */
const MIRRORED = [
  'fsync',
  'synchronous_commit',
  'wal_sync_method',
  'full_page_writes',
  'commit_delay',
  'shared_buffers',
  'wal_buffers',
  'jit',
] as const
const FALLBACK: Record<string, string> = { fsync: 'on', synchronous_commit: 'on' }
const TOP = 5
const BENCH_STOP_GRACE_MS = 90_000

interface Options {
  port: number
  pgBin: string
  /** `--only`'s names, one bench run each. */
  names: string[]
  /** The bench's other arguments. */
  benchArgs: string[]
}

function parseArgs(argv: string[]): Options {
  let port = 5499
  let pgBin = '/usr/lib/postgresql/15/bin'
  let names: string[] | null = null
  const benchArgs: string[] = []
  const given = new Set<string>()
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === '--') continue
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg]
    const value = () => {
      const next = inline ?? argv[++index]
      if (next === undefined || next === '')
        throw new UsageError(`pg-stat-statements: ${flag} needs a value`)
      return next
    }
    if (flag === '--port') {
      port = Number(value())
      if (!Number.isInteger(port) || port < 1024 || port > 65_000)
        throw new UsageError('pg-stat-statements: --port takes a port number from 1024')
    } else if (flag === '--pg-bin') pgBin = value()
    else if (flag === '--only')
      names = value()
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    else if (flag === '--counters')
      throw new UsageError(
        'pg-stat-statements: --counters adds deliveries this script does not count; pg_stat_statements and pg_stat_wal replace it here',
      )
    else {
      if (flag) given.add(flag)
      benchArgs.push(arg)
    }
  }
  for (const [flag, value] of Object.entries(DEFAULT_BENCH_ARGS))
    if (!given.has(flag) && !given.has('--quick')) benchArgs.push(flag, value)
  names ??= DEFAULT_PATHS
  for (const name of names) {
    const [path] = selectPaths([name])
    if (path?.group !== 'postgres')
      throw new UsageError(`pg-stat-statements: ${name} is not a Postgres path`)
  }
  return { port, pgBin, names, benchArgs }
}

// ---------------------------------------------------------------------------------------------
// The throwaway cluster

interface Cluster {
  url: string
  port: number
  dir: string
  settings: string[]
}

const asRoot = process.getuid?.() === 0
/** initdb and postgres refuse root: run them as the `postgres` OS user. */
const asPostgres = (command: string, args: string[]) =>
  asRoot
    ? { file: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
    : { file: command, args }

function runAsPostgres(pgBin: string, tool: string, args: string[], timeoutMs = 120_000): string {
  const { file, args: full } = asPostgres(join(pgBin, tool), args)
  // cwd `/`: the postgres user may not enter the repository.
  return execFileSync(file, full, { cwd: '/', encoding: 'utf8', timeout: timeoutMs, stdio: 'pipe' })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function freePort(from: number): Promise<number> {
  for (let port = from; port < from + 20; port++) if (await portFree(port)) return port
  throw new Error(`pg-stat-statements: no free port in ${from}-${from + 19}; pass --port`)
}

/** The shared server's settings, read with SHOW (nothing is changed there). */
async function sharedSettings(): Promise<{ conf: Record<string, string>; locale: string | null }> {
  const client = new pg.Client({ connectionString: sharedUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    const conf: Record<string, string> = {}
    for (const name of MIRRORED)
      conf[name] = String((await client.query(`SHOW ${name}`)).rows[0]?.[name])
    const locale = String((await client.query('SHOW lc_collate')).rows[0]?.lc_collate)
    return { conf, locale }
  } catch (error) {
    console.warn(
      `pg-stat-statements: could not read the shared server's settings at ${sharedUrl} (${(error as Error).message}); using ${JSON.stringify(FALLBACK)}`,
    )
    return { conf: { ...FALLBACK }, locale: null }
  } finally {
    await client.end().catch(() => {})
  }
}

const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = []
/** The running bench's pid, for the guard; removed when it exits. */
const benchPidFile = (dir: string) => join(dir, 'bench.pid')
let clusterDir: string | null = null

/**
 * A detached shell that outlives this process: when it is gone without cleaning up (tsx or pnpm
 * may SIGKILL it on Ctrl-C), it stops the bench by the pid in bench.pid, then the cluster, and
 * removes the folder. After a normal cleanup it finds nothing left and exits.
 */
function guard(dir: string, pgBin: string): void {
  const pgCtl = [...(asRoot ? ['runuser', '-u', 'postgres', '--'] : []), join(pgBin, 'pg_ctl')]
  const script = `
p="$1"; d="$2"; shift 2
while kill -0 "$p" 2>/dev/null; do sleep 1; done
if [ -f "$d/bench.pid" ]; then
  b=$(cat "$d/bench.pid"); kill -TERM "$b" 2>/dev/null; i=0
  while kill -0 "$b" 2>/dev/null && [ $i -lt 90 ]; do sleep 1; i=$((i+1)); done
  kill -KILL "$b" 2>/dev/null
fi
if [ -f "$d/data/postmaster.pid" ]; then "$@" -D "$d/data" -m fast -w -t 60 stop; fi
rm -rf "$d"`
  spawn('sh', ['-c', script, 'pg-stat-statements-guard', String(process.pid), dir, ...pgCtl], {
    cwd: '/',
    detached: true,
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '' },
  }).unref()
}

async function startCluster(options: Options): Promise<Cluster> {
  const { conf, locale } = await sharedSettings()
  const port = await freePort(options.port)
  const dir = mkdtempSync(join(os.tmpdir(), 'clerk-sync-pgss-'))
  cleanups.push({ name: `folder ${dir}`, run: () => rmSync(dir, { recursive: true, force: true }) })
  chmodSync(dir, 0o700)
  if (asRoot) {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }))
    chownSync(dir, id('-u'), id('-g'))
  }
  const data = join(dir, 'data')
  clusterDir = dir
  guard(dir, options.pgBin)
  const log = join(dir, 'postgres.log')
  console.log(`pg-stat-statements: initdb in ${data}`)
  runAsPostgres(options.pgBin, 'initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    `--locale=${locale ?? 'C.UTF-8'}`,
  ])
  const settings: Record<string, string> = {
    ...conf,
    port: String(port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    max_connections: '100',
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    'pg_stat_statements.track_utility': 'on',
    'pg_stat_statements.track_planning': 'on',
    'pg_stat_statements.max': '10000',
    track_wal_io_timing: 'on',
  }
  // Appended as root to a file postgres owns: the ownership stays.
  appendFileSync(
    join(data, 'postgresql.conf'),
    `\n# bench/pg-stat-statements.ts\n${Object.entries(settings)
      .map(([name, value]) => `${name} = '${value.replaceAll("'", "''")}'`)
      .join('\n')}\n`,
  )
  const stop = () => {
    try {
      runAsPostgres(
        options.pgBin,
        'pg_ctl',
        ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'],
        90_000,
      )
    } catch (error) {
      // The postmaster this script started, by the pid it wrote.
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL')
      else throw error
    }
  }
  try {
    runAsPostgres(
      options.pgBin,
      'pg_ctl',
      ['-D', data, '-l', log, '-w', '-t', '60', 'start'],
      90_000,
    )
  } catch (error) {
    let tail = ''
    try {
      tail = readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')
    } catch {}
    throw new Error(
      `pg-stat-statements: the cluster did not start: ${(error as Error).message}\n${tail}`,
    )
  }
  cleanups.push({
    name: 'cluster',
    run: () => {
      stop()
      console.log(`pg-stat-statements: cluster stopped; removing ${dir}`)
    },
  })
  const admin = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
  })
  await admin.connect()
  await admin.query('CREATE DATABASE test')
  await admin.end()
  const url = `postgres://postgres@127.0.0.1:${port}/test`
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('CREATE EXTENSION pg_stat_statements')
  const shown = await client.query(
    `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
    [[...MIRRORED, 'server_version', 'max_connections', 'pg_stat_statements.track']],
  )
  await client.end()
  return {
    url,
    port,
    dir,
    settings: shown.rows.map(
      (row) => `${row.name}=${row.setting}${row.unit ? ` (${row.unit})` : ''}`,
    ),
  }
}

// ---------------------------------------------------------------------------------------------
// One bench run per path

interface Round {
  concurrency: number
  eventsPerSecond: number
  p99Ms: number
  non2xx: number
  events: number
  warmup: number
}

const ROUND_LINE =
  /^\s*c=(\d+) round \d+\/\d+ \S+\s+(\d+) ev\/s\s+p50 \S+ ms\s+p99 (\S+) ms\s+non-2xx (\d+)\s+stall \S+ ms\s+events (\d+) \(\+(\d+) warm-up\)/

let bench: ChildProcess | null = null

function runBench(
  name: string,
  options: Options,
  url: string,
): Promise<{ code: number; rounds: Round[] }> {
  const args = [
    '--import',
    'tsx',
    join(root, 'bench/main.ts'),
    '--only',
    name,
    ...options.benchArgs,
  ]
  console.log(`\npg-stat-statements: pnpm bench --only ${name} ${options.benchArgs.join(' ')}`)
  // Its own process group: a Ctrl-C reaches it once, from here, as SIGTERM (its cleanup runs).
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, CLERK_SYNC_TEST_POSTGRES_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  })
  bench = child
  if (clusterDir && child.pid) writeFileSync(benchPidFile(clusterDir), String(child.pid))
  const rounds: Round[] = []
  let partial = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (text: string) => {
    process.stdout.write(text)
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      const match = ROUND_LINE.exec(line)
      if (match)
        rounds.push({
          concurrency: Number(match[1]),
          eventsPerSecond: Number(match[2]),
          p99Ms: Number(match[3]),
          non2xx: Number(match[4]),
          events: Number(match[5]),
          warmup: Number(match[6]),
        })
    }
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      bench = null
      if (clusterDir) rmSync(benchPidFile(clusterDir), { force: true })
      resolve({ code: code ?? (signal ? 128 : 1), rounds })
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Reading the statistics

interface Statement {
  query: string
  calls: number
  totalExecMs: number
  meanExecMs: number
  totalPlanMs: number
}

/**
 * What the bench does around the deliveries, not per event: the scoped schema and its drop, the
 * migrations and the baselines' table, catalog reads (start-up schema checks, drivers' type
 * lookups), and the statistics reads (this script's, the bench's `pg_settings`).
 */
const SETUP = [
  /^\s*(create|drop|alter|comment|grant|revoke|truncate|do|vacuum|analyze)\b/i,
  /pg_stat_statements|pg_stat_|pg_settings/i,
  /__clerk_sync_migrations|_prisma_migrations|pg_advisory_xact_lock|pg_advisory_lock/i,
  /information_schema|pg_catalog|\bpg_type\b|\bpg_namespace\b|\bpg_class\b|\bpg_attribute\b/i,
]
const isSetup = (query: string) => SETUP.some((pattern) => pattern.test(query))
const BEGIN = /^\s*(begin|start\s+transaction)\b/i
const COMMIT = /^\s*(commit|end)\b(?!\s+prepared)/i
const ROLLBACK = /^\s*rollback\b(?!\s+(prepared|to\b))/i

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

async function resetStatistics(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('SELECT pg_stat_statements_reset()')
    await client.query("SELECT pg_stat_reset_shared('wal')")
    await client.query('SELECT pg_stat_reset()')
  })
}

interface Reading {
  statements: Statement[]
  wal: { records: number; syncs: number; syncMs: number }
  commits: number
  rollbacks: number
}

async function readStatistics(url: string): Promise<Reading> {
  return withClient(url, async (client) => {
    // A backend publishes its WAL and database counters as it exits: wait for the bench's.
    for (let waited = 0; waited < 10_000; waited += 200) {
      const { rows } = await client.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      )
      if (rows[0]?.n === 0) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const statements = await client.query(
      `SELECT s.query, s.calls::float8 AS calls, s.total_exec_time, s.mean_exec_time, s.total_plan_time
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND s.toplevel`,
    )
    const wal = await client.query(
      'SELECT wal_records::float8 AS records, wal_sync::float8 AS syncs, wal_sync_time AS sync_ms FROM pg_stat_wal',
    )
    const database = await client.query(
      'SELECT xact_commit::float8 AS commits, xact_rollback::float8 AS rollbacks FROM pg_stat_database WHERE datname = current_database()',
    )
    return {
      statements: statements.rows.map((row) => ({
        query: String(row.query),
        calls: Number(row.calls),
        totalExecMs: Number(row.total_exec_time),
        meanExecMs: Number(row.mean_exec_time),
        totalPlanMs: Number(row.total_plan_time),
      })),
      wal: {
        records: Number(wal.rows[0]?.records),
        syncs: Number(wal.rows[0]?.syncs),
        syncMs: Number(wal.rows[0]?.sync_ms),
      },
      commits: Number(database.rows[0]?.commits),
      rollbacks: Number(database.rows[0]?.rollbacks),
    }
  })
}

// ---------------------------------------------------------------------------------------------
// The report

interface PathResult {
  name: string
  path: BenchPath
  code: number
  rounds: Round[]
  reading: Reading | null
  /** When the packages the bench servers load were built (they come from dist). */
  built: string
}

/** The build times of the dist files a bench server loads: another build between paths shows. */
function builtStamp(): string {
  return ['core', 'store-drizzle', 'store-prisma', 'adapter-express']
    .map((name) => {
      try {
        const time = statSync(join(root, 'packages', name, 'dist/index.js')).mtime
        return `${name} ${time.toISOString().slice(0, 19)}Z`
      } catch {
        return `${name} not built`
      }
    })
    .join(', ')
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const oneLine = (query: string, width: number) => {
  const text = query.replace(/\s+/g, ' ').trim()
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]!.length)),
  )
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (right[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`
  const rule = `| ${widths.map((width, column) => (right[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

function report(results: PathResult[], cluster: Cluster, options: Options): string {
  const out: string[] = []
  const rows: string[][] = []
  const details: string[] = []
  for (const result of results) {
    const events = sum(result.rounds.map((round) => round.events + round.warmup))
    const measured = sum(result.rounds.map((round) => round.events))
    const perEvent = (value: number) => (events > 0 ? value / events : Number.NaN)
    const reading = result.reading
    const counted = reading?.statements.filter((statement) => !isSetup(statement.query)) ?? []
    const excluded = reading?.statements.filter((statement) => isSetup(statement.query)) ?? []
    const calls = (pattern: RegExp) =>
      sum(counted.filter((s) => pattern.test(s.query)).map((s) => s.calls))
    const eps = result.rounds.map((round) => round.eventsPerSecond)
    rows.push([
      result.name,
      `${events}${result.rounds.length > 0 ? ` (${measured}+${events - measured})` : ''}`,
      eps.length > 0 ? eps.join('/') : '–',
      String(sum(result.rounds.map((round) => round.non2xx))),
      fixed(perEvent(sum(counted.map((s) => s.calls)))),
      fixed(perEvent(calls(BEGIN))),
      fixed(perEvent(calls(COMMIT))),
      fixed(perEvent(calls(ROLLBACK))),
      fixed(perEvent(sum(counted.map((s) => s.totalExecMs))), 3),
      fixed(perEvent(sum(counted.map((s) => s.totalPlanMs))), 3),
      fixed(perEvent(reading?.commits ?? Number.NaN)),
      fixed(perEvent(reading?.wal.syncs ?? Number.NaN)),
      fixed(perEvent(reading?.wal.syncMs ?? Number.NaN), 3),
      result.code === 0 ? 'ok' : `exit ${result.code}`,
    ])
    if (!reading || events === 0) continue
    const totalExec = sum(counted.map((s) => s.totalExecMs))
    const top = [...counted].sort((a, b) => b.totalExecMs - a.totalExecMs).slice(0, TOP)
    details.push(
      `\n${result.name} (${result.path.key}, ${result.path.stack}): top ${top.length} of ${counted.length} statements by total execution time`,
      table(
        ['calls/ev', 'mean ms', 'ms/ev', 'share', 'statement'],
        top.map((s) => [
          fixed(perEvent(s.calls)),
          fixed(s.meanExecMs, 3),
          fixed(perEvent(s.totalExecMs), 3),
          `${fixed((100 * s.totalExecMs) / totalExec, 0)}%`,
          oneLine(s.query, 110),
        ]),
        [true, true, true, true, false],
      ),
    )
    const mostCalled = [...excluded].sort((a, b) => b.calls - a.calls)[0]
    details.push(
      `  not counted (setup, migrations, catalog reads, statistics reads): ${excluded.length} statements, ${sum(excluded.map((s) => s.calls))} calls${mostCalled ? `; most called ${mostCalled.calls}x: ${oneLine(mostCalled.query, 80)}` : ''}`,
    )
    for (const s of excluded.filter((s) => s.calls >= 0.05 * events))
      details.push(
        `  WARNING: a statement not counted ran ${fixed(perEvent(s.calls))} times per event: ${oneLine(s.query, 100)}`,
      )
  }
  out.push(
    `pg_stat_statements on a throwaway cluster (port ${cluster.port}; ${cluster.settings.join(', ')})`,
    `bench args: ${options.benchArgs.join(' ')}; per event = per delivery answered, warm-up included`,
    ...[...new Set(results.map((result) => result.built))].map(
      (built) =>
        `dist built: ${built}${
          results.every((result) => result.built === built)
            ? ''
            : ` (${results
                .filter((result) => result.built === built)
                .map((result) => result.name)
                .join(', ')})`
        }`,
    ),
    '',
    table(
      [
        'path',
        'events (measured+warm-up)',
        'ev/s',
        'non-2xx',
        'stmts/ev',
        'BEGIN/ev',
        'COMMIT/ev',
        'ROLLBACK/ev',
        'exec ms/ev',
        'plan ms/ev',
        'commits/ev',
        'WAL syncs/ev',
        'WAL sync ms/ev',
        'bench',
      ],
      rows,
      [false, true, true, true, true, true, true, true, true, true, true, true, true, false],
    ),
    ...details,
  )
  return out.join('\n')
}

// ---------------------------------------------------------------------------------------------

async function cleanUp(): Promise<void> {
  const child = bench
  if (child && child.exitCode === null && child.signalCode === null) {
    // The bench removes its servers and build folder on SIGTERM; wait for it, bounded.
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), BENCH_STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }
  while (cleanups.length > 0) {
    const step = cleanups.pop()!
    try {
      await step.run()
    } catch (error) {
      console.error(`pg-stat-statements: cleanup ${step.name} failed: ${(error as Error).message}`)
    }
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  const cluster = await startCluster(options)
  console.log(`pg-stat-statements: cluster on ${cluster.url}: ${cluster.settings.join(', ')}`)
  const results: PathResult[] = []
  for (const name of options.names) {
    const [path] = selectPaths([name])
    if (stopping) return 130
    const built = builtStamp()
    await resetStatistics(cluster.url)
    const { code, rounds } = await runBench(name, options, cluster.url)
    if (stopping) return 130
    const reading = await readStatistics(cluster.url)
    results.push({ name, path: path!, code, rounds, reading, built })
  }
  console.log(`\n${report(results, cluster, options)}`)
  const failed = results.filter((result) => result.code !== 0 || result.rounds.length === 0)
  for (const result of failed)
    console.error(
      `pg-stat-statements: the bench for ${result.name} ${result.code !== 0 ? `exited ${result.code}` : 'printed no round'}`,
    )
  return failed.length > 0 ? 1 : 0
}

let exitCode = 1
let stopping = false
const interrupted = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  console.error(`pg-stat-statements: ${signal}, stopping the bench and the cluster`)
  cleanUp().finally(() => process.exit(130))
}
process.on('SIGINT', interrupted)
process.on('SIGTERM', interrupted)
try {
  exitCode = await main()
} catch (error) {
  if (error instanceof UsageError) console.error(error.message)
  else console.error('pg-stat-statements: failed:', error)
  exitCode = 1
} finally {
  if (!stopping) await cleanUp()
}
if (!stopping) process.exit(exitCode)
