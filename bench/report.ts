/**
 * The table and BENCHMARKS.md. Per path and concurrency: the median over rounds of events/s, p50
 * and p99; non-2xx summed; the longest event-loop stall over rounds; server CPU per event. Ratios
 * are paired: each round's events/s over its baseline's in the same round, then the median.
 * Every figure comes from the run; the prose only says where each one comes from.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { CpuInfo } from 'node:os'
import type { CounterResult } from './counters.js'
import type { BenchPath } from './paths.js'
import type { RunResult, Settings } from './shared.js'

export interface Measurement {
  result: RunResult
  /** Longest event-loop delay in the server (or in the raw driver runner), ms. */
  stallMs: number
  /** CPU time of the server (or runner) during the run, ms. */
  cpuMs: number
  /** Deliveries that CPU time covers (the server's includes the warm-up). */
  cpuEvents: number
}

export interface ReportContext {
  settings: Settings
  paths: BenchPath[]
  measurements: Map<string, Measurement[]>
  counters: CounterResult[]
  machine: {
    cpus: CpuInfo[]
    memoryBytes: number
    platform: string
    node: string
    postgres: string[] | null
    mariadb: string[] | null
    sqlite: string
  }
  elapsedSeconds: number
}

const median = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–'
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–')
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '–')

/** Paired ratio of `path` over `baseline` at `concurrency`: the median of per-round ratios. */
function pairedRatio(
  context: ReportContext,
  path: BenchPath,
  baseline: BenchPath | undefined,
  concurrency: number,
): number {
  if (!baseline || baseline.key === path.key) return Number.NaN
  const mine = context.measurements.get(`${path.key}@${concurrency}`) ?? []
  const theirs = context.measurements.get(`${baseline.key}@${concurrency}`) ?? []
  const ratios = mine.map(
    (run, round) =>
      run.result.eventsPerSecond / (theirs[round]?.result.eventsPerSecond ?? Number.NaN),
  )
  return median(ratios)
}

export interface Row {
  path: BenchPath
  concurrency: number
  eventsPerSecond: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  stallMs: number
  cpuMsPerEvent: number
  capped: boolean
  vsFloor: number
  vsNaive: number
  vsMemory: number
}

export function rows(context: ReportContext): Row[] {
  const out: Row[] = []
  const order = ['postgres', 'none', 'mariadb', 'sqlite']
  const paths = [...context.paths].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
  for (const path of paths) {
    const find = (kind: BenchPath['kind']) =>
      context.paths.find(
        (other) => other.kind === kind && (kind === 'd' || other.group === path.group),
      )
    for (const concurrency of context.settings.concurrencies) {
      const runs = context.measurements.get(`${path.key}@${concurrency}`) ?? []
      const events = runs.reduce((sum, run) => sum + run.cpuEvents, 0)
      const cpu = runs.reduce((sum, run) => sum + run.cpuMs, 0)
      out.push({
        path,
        concurrency,
        eventsPerSecond: median(runs.map((run) => run.result.eventsPerSecond)),
        p50Ms: median(runs.map((run) => run.result.p50Ms)),
        p99Ms: median(runs.map((run) => run.result.p99Ms)),
        non2xx: runs.reduce((sum, run) => sum + run.result.non2xx, 0),
        stallMs: Math.max(...runs.map((run) => run.stallMs)),
        cpuMsPerEvent: events > 0 ? cpu / events : Number.NaN,
        capped: runs.some((run) => run.result.capped),
        vsFloor:
          path.group === 'none' ? Number.NaN : pairedRatio(context, path, find('b'), concurrency),
        vsNaive:
          path.group === 'none' ? Number.NaN : pairedRatio(context, path, find('c'), concurrency),
        vsMemory: pairedRatio(context, path, find('d'), concurrency),
      })
    }
  }
  return out
}

const groupName: Record<BenchPath['group'], string> = {
  postgres: 'Postgres',
  mariadb: 'MariaDB',
  sqlite: 'SQLite',
  none: '–',
}

export function renderTable(context: ReportContext): string {
  const lines = [
    '| path | database | driver / store | c | events/s | p50 ms | p99 ms | non-2xx | max stall ms | CPU ms/event | vs (b) floor | vs (c) naive | vs (d) memory |',
    '| --- | --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ]
  for (const row of rows(context))
    lines.push(
      `| ${row.path.label} | ${groupName[row.path.group]} | ${row.path.stack} | ${row.concurrency} | ${int(row.eventsPerSecond)}${row.capped ? ' (capped)' : ''} | ${ms(row.p50Ms)} | ${ms(row.p99Ms)} | ${row.non2xx} | ${ms(row.stallMs)} | ${Number.isFinite(row.cpuMsPerEvent) ? row.cpuMsPerEvent.toFixed(2) : '–'} | ${ratio(row.vsFloor)} | ${ratio(row.vsNaive)} | ${ratio(row.vsMemory)} |`,
    )
  return lines.join('\n')
}

const perEvent = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(2)

function renderCounters(context: ReportContext): string {
  const pg = context.counters.filter((c) => c.path.group === 'postgres')
  const maria = context.counters.filter((c) => c.path.group === 'mariadb')
  const out: string[] = []
  if (pg.length > 0) {
    out.push(
      `Postgres (\`pg_stat_database\` and \`pg_stat_wal\` deltas over ${context.settings.counterDeliveries} deliveries at concurrency ${context.settings.counterConcurrency}, per event; read after 11 s of quiet, since a busy backend publishes its counters only after 10 s idle; the harness's own counter reads add a few commits):`,
      '',
      '| path | driver / store | commits | rollbacks | rows inserted | rows updated | rows fetched | WAL records | WAL flushes |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: |',
    )
    for (const c of pg)
      out.push(
        `| ${c.path.label} | ${c.path.stack} | ${perEvent(c.perEvent.xact_commit)} | ${perEvent(c.perEvent.xact_rollback)} | ${perEvent(c.perEvent.tup_inserted)} | ${perEvent(c.perEvent.tup_updated)} | ${perEvent(c.perEvent.tup_fetched)} | ${perEvent(c.perEvent.wal_records)} | ${perEvent(c.perEvent.wal_sync)} |`,
      )
    out.push('')
  }
  if (maria.length > 0) {
    out.push(
      `MariaDB (\`SHOW GLOBAL STATUS\` deltas over ${context.settings.counterDeliveries} deliveries at concurrency ${context.settings.counterConcurrency}, per event; \`Questions\` counts every statement a client sent, BEGIN and COMMIT included):`,
      '',
      '| path | driver / store | statements (Questions) | BEGIN | COMMIT | ROLLBACK | SELECT | INSERT | UPDATE | InnoDB fsyncs |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |',
    )
    for (const c of maria)
      out.push(
        `| ${c.path.label} | ${c.path.stack} | ${perEvent(c.perEvent.Questions)} | ${perEvent(c.perEvent.Com_begin)} | ${perEvent(c.perEvent.Com_commit)} | ${perEvent(c.perEvent.Com_rollback)} | ${perEvent(c.perEvent.Com_select)} | ${perEvent(c.perEvent.Com_insert)} | ${perEvent(c.perEvent.Com_update)} | ${perEvent(c.perEvent.Innodb_data_fsyncs)} |`,
      )
    out.push('')
  }
  return out.join('\n')
}

/** Sentences built from the measured figures: what bounds each row. */
function renderLimits(context: ReportContext): string {
  const all = rows(context)
  const top = Math.max(...context.settings.concurrencies)
  const at = (key: string, concurrency = top) =>
    all.find((row) => row.path.key === key && row.concurrency === concurrency)
  const counter = (key: string) => context.counters.find((c) => c.path.key === key)?.perEvent
  const cores = context.machine.cpus.length
  const parts: string[] = []
  const memory = at('memory')
  const floorPg = at('pg-b')
  if (memory)
    parts.push(
      `**CPU, not the database, bounds (d) and (b).** The load generator, the server and the database share ${cores} cores. At c=${top} the MemoryStore server spends ${ms(memory.cpuMsPerEvent)} ms of CPU per event (verify, parse, map, log a line, answer) for ${int(memory.eventsPerSecond)} events/s, i.e. ${ms((memory.cpuMsPerEvent * memory.eventsPerSecond) / 10)}% of one core${floorPg ? `; the Postgres floor spends ${ms(floorPg.cpuMsPerEvent)} ms per event for ${int(floorPg.eventsPerSecond)} events/s` : ''}. What is left of the machine goes to the load generator and the database, so these rows are the ceiling of any HTTP path here, not of the database.`,
    )
  const pgCs = at('pg-cs-drizzle')
  const pgCounters = counter('pg-cs-drizzle')
  const floorCounters = counter('pg-b')
  if (pgCs && pgCounters)
    parts.push(
      `**Postgres: one statement per event, then the commit's flush.** Per event the Drizzle store on node-postgres commits ${perEvent(pgCounters.xact_commit)} transaction(s) (the statement itself, no BEGIN/COMMIT), fetches ${perEvent(pgCounters.tup_fetched)} rows and writes ${perEvent(pgCounters.wal_records)} WAL records with ${perEvent(pgCounters.wal_sync)} WAL flushes${floorCounters ? `, against ${perEvent(floorCounters.xact_commit)} commits, ${perEvent(floorCounters.wal_records)} WAL records and ${perEvent(floorCounters.wal_sync)} flushes for the floor` : ''}: it writes four rows (event id, state, user, sometimes audit) where the floor writes one, so each commit's flush is longer. Fewer flushes than commits means concurrent commits shared a flush (Postgres's own group commit). Its server spends ${ms(pgCs.cpuMsPerEvent)} ms CPU per event at c=${top} (${ratio(pgCs.vsFloor)} the floor's events/s). \`pnpm exec tsx bench/pg-stat-statements.ts\` counts statements, planning and flush time per event on a throwaway cluster (bench/README.md).`,
    )
  const gc = at('pg-cs-drizzle-gc')
  const gcCounters = counter('pg-cs-drizzle-gc')
  if (gc && gcCounters)
    parts.push(
      `**Group commit trades flushes for batches.** With group commit the same store commits ${perEvent(gcCounters.xact_commit)} transactions and ${perEvent(gcCounters.wal_sync)} WAL flushes per event: upserts that arrive while earlier ones run leave together as one statement. Its server spends ${ms(gc.cpuMsPerEvent)} ms CPU per event at c=${top} (${ratio(gc.vsFloor)} the floor's events/s, ${ratio(gc.vsMemory)} MemoryStore's). At c=1 nothing overlaps, so every upsert goes alone and the row equals the one without group commit.`,
    )
  const mariaCs = at('mariadb-cs-drizzle')
  const mariaCounters = counter('mariadb-cs-drizzle')
  const mariaFloor = counter('mariadb-b')
  if (mariaCs && mariaCounters)
    parts.push(
      `**MariaDB: statements per event and log fsyncs.** The Drizzle store on mysql2 sends ${perEvent(mariaCounters.Questions)} statements per event (${perEvent(mariaCounters.Com_select)} SELECT, ${perEvent(mariaCounters.Com_insert)} INSERT, ${perEvent(mariaCounters.Com_update)} UPDATE, ${perEvent(mariaCounters.Com_commit)} COMMIT) with ${perEvent(mariaCounters.Innodb_data_fsyncs)} InnoDB fsyncs${mariaFloor ? `; the floor sends ${perEvent(mariaFloor.Questions)} with ${perEvent(mariaFloor.Innodb_data_fsyncs)} fsyncs` : ''}. Each statement is a round trip on a pooled connection held for the whole transaction; with \`innodb_flush_log_at_trx_commit=1\` (see the machine section) every commit waits for the redo log on disk.`,
    )
  const sqliteCs = at('sqlite-cs-drizzle')
  if (sqliteCs)
    parts.push(
      `**SQLite: one synchronous writer on the server's event loop.** better-sqlite3 runs every statement on the main thread, so the event-loop stall and the CPU per event (${ms(sqliteCs.cpuMsPerEvent)} ms for clerk-sync at c=${top}) are the figure: concurrency adds queueing, not throughput. No server counters exist for an in-process library; statements per event were not counted there.`,
    )
  parts.push(
    '**(a)** is the database and the driver alone (no HTTP, no JSON, no verification): one upsert per event through the same pool size, from one process; on SQLite it is one synchronous statement at a time whatever the concurrency. **(c)**, the naive handler, answers 500 when a `user.updated` and its `user.created` race (both SELECT, find nothing, INSERT; the second hits the primary key): its non-2xx are those races, not load. **p50/p99** are per delivery as the load generator saw them (keep-alive connections, one per concurrent sender), the median over rounds. **Max stall** is the longest event-loop delay in the server over all rounds: the largest `monitorEventLoopDelay` sample minus its 10 ms sampling interval; target under 50 ms.',
  )
  return parts.join('\n\n')
}

export function renderMarkdown(context: ReportContext): string {
  const { machine, settings } = context
  const cpu = machine.cpus[0]
  const concurrencies = settings.concurrencies
  return `# Benchmarks

The webhook write path, clerk-sync against its baselines, written by \`pnpm bench\` (issue 12):
Postgres writes in one statement per event, group commit on MySQL/MariaDB, SQLite and Postgres
(the "group commit" rows; \`createClerkSync\` turns it on by default, the other clerk-sync rows run
with \`groupCommit: false\`). Every figure in the sections below comes from the run that wrote this
file, except the last section, the **before** table (the stores before issue 12's rewrite, measured
the same way), kept from \`bench/before-issue-12.md\`. Nothing is asserted on timing anywhere.

## Machine

- CPU: ${machine.cpus.length} × ${cpu?.model ?? 'unknown'}
- Memory: ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB
- OS: ${machine.platform}
- Node: ${machine.node}
- PostgreSQL (shared server on 127.0.0.1:5432): ${machine.postgres?.join(', ') ?? 'not measured'}
- MariaDB (shared server on 127.0.0.1:3306): ${machine.mariadb?.join(', ') ?? 'not measured'}
- SQLite (better-sqlite3, in the server process, a file in WAL mode, default \`synchronous\`): ${machine.sqlite}

## Commands

\`\`\`sh
pnpm build     # the servers load @clerk-sync/* from dist
${settings.focused ? `${settings.command}     # this file, a focused run (bench/README.md)` : 'pnpm bench     # this file; pnpm bench --quick is the CI run (a smaller run, no file written)'}
\`\`\`

\`pnpm bench\` runs \`bench/main.ts\`, which bundles \`bench/server/main.ts\`, \`bench/load.ts\` and
\`bench/raw-driver.ts\` with the chaos harness's \`buildChaosServer\` into a temporary app directory
whose \`node_modules\` link to the workspace packages. Each path is its own process:
\`node bench-server.mjs\` (Express 5; \`BENCH_PATH=clerk-sync|floor|naive\`, \`BENCH_STORE\`/\`BENCH_DRIVER\`,
\`DATABASE_URL\`, \`DATABASE_SCHEMA\`, \`SQLITE_FILE\`, \`DATABASE_POOL_MAX=${settings.poolMax}\`), driven by
\`node bench-load.mjs\` (a separate process per measurement); (a) is \`node bench-raw.mjs\`.
Each store writes its own scoped schema (Postgres) or database (MariaDB), dropped at the end.

Run: concurrency ${concurrencies.join(', ')}; per measurement ${concurrencies.map((c) => `${settings.deliveries(c)} deliveries at c=${c} after ${settings.warmup(c)} uncounted`).join(', ')}; every measurement capped at ${settings.maxSeconds} s;
${settings.rounds} rounds per concurrency, every path once per round, the order rotated each round.
Deliveries: new \`svix-id\` each, signed at send time with \`signWebhook\`, bodies from
\`userCreatedEvent\`/\`userUpdatedEvent\` over \`clerkUser\` fixtures, 70% \`user.created\` of a new user,
30% \`user.updated\` of a user created earlier in the same measurement. Whole run: ${context.elapsedSeconds.toFixed(0)} s.

## Results

${renderTable(context)}

Each row: the median over rounds of events/s, p50 and p99; non-2xx summed over rounds; the longest
stall over rounds; server CPU time per event (for (a), the runner's). Ratios are paired per round
(this path's events/s over the baseline's in the same round), then the median. (capped) marks a
measurement the time cap stopped early.

## What each event costs the database

${renderCounters(context)}
## What limits each figure

${renderLimits(context)}
${renderBefore()}`
}

/** The table measured before issue 12's rewrite, kept beside every later run. */
function renderBefore(): string {
  const file = new URL('./before-issue-12.md', import.meta.url)
  return existsSync(file) ? `\n${readFileSync(file, 'utf8')}` : ''
}
