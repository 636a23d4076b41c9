/**
 * The backfill bench's table, targets and BENCHMARKS.md section. Every figure comes from the run;
 * each target line says pass or miss. The section sits between two markers so a run of only this
 * suite replaces it in place and a run of only the webhook suite keeps it (mergeBenchmarks).
 */
import os from 'node:os'
import { type BackfillSuiteResult, describePacing } from './suite.js'
import { describeWaits } from './wait-sampler.js'

export const SECTION_START = '<!-- backfill-bench:start -->'
export const SECTION_END = '<!-- backfill-bench:end -->'

const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–'
const one = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–')
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '–')

const median = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

type Round = BackfillSuiteResult['rounds'][number]
type Measured = Exclude<keyof Round, 'backfill'>

/** Backfill's users/s over `baseline`'s in the same round, then the median over rounds. */
function pairedRatio(result: BackfillSuiteResult, baseline: Measured): number {
  return median(
    result.rounds.map((round) => round.backfill.usersPerSecond / round[baseline].usersPerSecond),
  )
}

export interface Target {
  name: string
  goal: string
  measured: string
  pass: boolean
}

export function targets(result: BackfillSuiteResult): Target[] {
  const [small, large] = result.memory
  const vsPerUser = pairedRatio(result, 'perUser')
  const vsRaw = pairedRatio(result, 'rawInsert')
  const { idle, runs } = result.webhook
  const growth = (kind: 'backfill' | 'reconcile') => [
    {
      name: `${kind} RSS growth at ${int(large!.users)} users`,
      goal: '< 150 MB',
      measured: `${one(large![kind].rss.growthMb)} MB`,
      pass: large![kind].rss.growthMb < 150,
    },
    {
      name: `${kind} RSS flat (${int(large!.users)} vs ${int(small!.users)} users)`,
      goal: `≤ ${one(small![kind].rss.growthMb)} + 25 MB`,
      measured: `${one(large![kind].rss.growthMb)} MB`,
      pass: large![kind].rss.growthMb <= small![kind].rss.growthMb + 25,
    },
  ]
  return [
    {
      name: 'backfill vs (b) per-user loop',
      goal: '≥ 10x',
      measured: ratio(vsPerUser),
      pass: vsPerUser >= 10,
    },
    {
      name: 'backfill vs (c) raw multi-row INSERT',
      goal: '≥ 0.5x',
      measured: ratio(vsRaw),
      pass: vsRaw >= 0.5,
    },
    ...growth('backfill'),
    ...growth('reconcile'),
    // The issue's target, for each backfill beside the load: the unthrottled one first.
    ...runs.map((run) => {
      const p99 = run.load.p99Ms / idle.p99Ms
      return {
        name: `webhook p99 during a backfill (${describePacing(run.pacing)}) vs idle`,
        goal: '< 2x',
        measured: `${ratio(p99)} (${one(run.load.p99Ms)} vs ${one(idle.p99Ms)} ms)`,
        pass: p99 < 2,
      }
    }),
  ]
}

export function renderBackfillTables(result: BackfillSuiteResult): string {
  const { rounds } = result
  const row = (
    label: string,
    of: (round: Round) => { users: number; seconds: number; usersPerSecond: number },
    baseline: Measured | null,
  ) =>
    `| ${label} | ${int(median(rounds.map((round) => of(round).users)))} | ${one(median(rounds.map((round) => of(round).seconds)))} | ${int(median(rounds.map((round) => of(round).usersPerSecond)))} | ${baseline ? ratio(pairedRatio(result, baseline)) : '–'} |`
  const capped = rounds.some((round) => round.perUser.capped)
  const lines = [
    `| measurement (median of ${rounds.length} round${rounds.length > 1 ? 's' : ''}) | users | seconds | users/s | backfill vs this |`,
    '| --- | --: | --: | --: | --: |',
    row(
      `\`sync.backfill\` (page size ${result.settings.pageSize})`,
      (round) => round.backfill,
      null,
    ),
    row(
      '… of which in `store.upsertUsers`',
      (round) => ({
        users: round.backfill.users,
        seconds: round.backfill.writeSeconds,
        usersPerSecond: round.backfill.users / round.backfill.writeSeconds,
      }),
      null,
    ),
    `| … CPU time of the backfill's process | – | ${one(median(rounds.map((round) => round.backfill.cpuSeconds)))} | – | – |`,
    row('(a) emulator page-serving rate, no writes', (round) => round.pages, 'pages'),
    row(
      `(b) per-user loop, one \`upsertUser\` each${capped ? ' (a subset, time-capped)' : ''}`,
      (round) => round.perUser,
      'perUser',
    ),
    row(
      `(c) raw multi-row INSERT, ${result.settings.rowsPerStatement} rows/statement`,
      (round) => round.rawInsert,
      'rawInsert',
    ),
    ...result.webhook.runs.map(
      ({ pacing, backfill }) =>
        `| \`sync.backfill\` beside ${result.settings.webhookRatePerSecond} webhooks/s (${describePacing(pacing)}, one run) | ${int(backfill.users)} | ${one(backfill.seconds)} | ${int(backfill.usersPerSecond)} | – |`,
    ),
    '',
    '| memory (own process each) | users | seconds | baseline RSS MB | peak RSS MB | growth MB | heap kept MB |',
    '| --- | --: | --: | --: | --: | --: | --: |',
  ]
  for (const run of result.memory) {
    lines.push(
      `| \`sync.backfill\` | ${int(run.users)} | ${one(run.backfill.seconds)} | ${one(run.backfill.rss.baselineMb)} | ${one(run.backfill.rss.peakMb)} | ${one(run.backfill.rss.growthMb)} | ${one(run.backfill.rss.heapKeptMb)} |`,
      `| \`sync.reconcile\` (report) | ${int(run.users)} | ${one(run.reconcile.seconds)} | ${one(run.reconcile.rss.baselineMb)} | ${one(run.reconcile.rss.peakMb)} | ${one(run.reconcile.rss.growthMb)} | ${one(run.reconcile.rss.heapKeptMb)} |`,
    )
  }
  // The other rounds' backfills of the larger size: their memory too, each its own process.
  result.rounds.slice(1).forEach(({ backfill }, index) => {
    lines.push(
      `| \`sync.backfill\`, round ${index + 2} | ${int(backfill.users)} | ${one(backfill.seconds)} | ${one(backfill.rss.baselineMb)} | ${one(backfill.rss.peakMb)} | ${one(backfill.rss.growthMb)} | ${one(backfill.rss.heapKeptMb)} |`,
    )
  })
  const { idle, idleStallMs, runs } = result.webhook
  lines.push(
    '',
    `| webhooks at ${result.settings.webhookRatePerSecond}/s | backfill users/s | deliveries | p50 ms | p99 ms | p99 vs idle | max ms | non-2xx | server max stall ms |`,
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
    `| idle | – | ${idle.sent} | ${one(idle.p50Ms)} | ${one(idle.p99Ms)} | – | ${one(idle.maxMs)} | ${idle.non2xx} | ${one(idleStallMs)} |`,
    ...runs.map(
      ({ pacing, load, backfill, serverStallMs }) =>
        `| during a backfill of ${int(backfill.users)} (${describePacing(pacing)}) | ${int(backfill.usersPerSecond)} | ${load.sent} | ${one(load.p50Ms)} | ${one(load.p99Ms)} | ${ratio(load.p99Ms / idle.p99Ms)} | ${one(load.maxMs)} | ${load.non2xx} | ${one(serverStallMs)} |`,
    ),
    '',
    'Postgres backends during each backfill, sampled every 50 ms:',
    '',
    ...runs.map(
      ({ pacing, waits }) =>
        `- ${describePacing(pacing)}: the webhook server's ${describeWaits(waits.webhook)}; the backfill's ${describeWaits(waits.backfill)}.`,
    ),
    '',
    '| target | goal | measured | |',
    '| --- | --- | --- | --- |',
    ...targets(result).map(
      (target) =>
        `| ${target.name} | ${target.goal} | ${target.measured} | ${target.pass ? 'pass' : 'MISS'} |`,
    ),
  )
  return lines.join('\n')
}

export function renderBackfillSection(result: BackfillSuiteResult, command: string): string {
  const { settings } = result
  return `${SECTION_START}
## Backfill and reconcile (issue 13)

Written by \`${command}\` on ${new Date().toISOString().slice(0, 10)} (this section: ${result.elapsedSeconds.toFixed(0)} s; same machine as above; load average ${result.loadAverage.start.map((load) => load.toFixed(1)).join(' / ')} at its start and ${result.loadAverage.end.map((load) => load.toFixed(1)).join(' / ')} at its end, 1 / 5 / 15 min, on ${os.cpus().length} cores).

\`\`\`sh
pnpm build                          # every process loads @clerk-sync/* from dist
pnpm bench                          # both suites; this section comes from its backfill part
pnpm bench --only backfill --out BENCHMARKS.md   # this section alone, replaced in place
pnpm bench --only backfill --users 20000         # a focused run (no file written)
\`\`\`

The emulator (\`startClerkEmulator\`, \`bench-backfill-emulator.mjs\`) runs in its own process
with ${int(settings.users)} users seeded in chunks (${one(result.seedSeconds)} s): unique emails, names, a role in
\`public_metadata\`, some usernames and phone numbers, the first fifth in imported batches of 1,200
that share one \`created_at\`. Every measurement is its own process (\`bench-backfill-worker.mjs\`)
against a fresh Postgres schema, the Drizzle store on a node-postgres Pool (max 15), and the real
\`@clerk/backend\` client. The baselines page the emulator as the issue prescribes (\`+created_at\`,
\`created_at_after\`, offset only inside a run of equal \`created_at\`, page size ${settings.pageSize}): (a)
reads every page and writes nothing; (b) writes each user with one guarded \`store.upsertUser\`,
awaited in turn, for ${settings.perUserSeconds} s; (c) fetches and maps every user first (not timed), then
inserts them with node-postgres alone, ${settings.rowsPerStatement} rows per \`INSERT\`, into a plain table with
the users table's columns. "Of which in \`store.upsertUsers\`" is the time the backfill spent inside
the store's bulk upsert; the rest is reading pages and mapping users.

Memory: \`process.memoryUsage().rss\` sampled every 20 ms and the kernel's peak
(\`resourceUsage().maxRSS\`), growth over the RSS after setup (pool, store, client, clerk-sync),
each size in its own process (\`node --expose-gc\`); "heap kept" is the live heap after a full
collection at the end minus before the start: what the run still holds, where RSS growth also counts
garbage not collected yet. Reconcile (\`apply: false\`) runs after the backfill of the same size,
over the same schema.

Webhooks: the bench server (Express, clerk-sync with group commit, the same store) over the schema
the backfill writes, signed deliveries (\`signWebhook\`, 70% \`user.created\`, 30% \`user.updated\`)
sent open-loop at ${settings.webhookRatePerSecond}/s by their own process: ${settings.idleSeconds} s idle after 2 s of warm-up, then from
a backfill's start to its end (the load already running, warm, while the backfill's process
starts), for each backfill in turn, each on an emptied users table: one
unthrottled, then ${settings.webhookBackfills
    .filter((pacing) => pacing.maxUsersPerSecond !== null)
    .map(
      (pacing) =>
        `\`maxUsersPerSecond: ${pacing.maxUsersPerSecond}\` at page size ${pacing.pageSize}`,
    )
    .join(', ')} (the cap
is on the average since the start: after each page the backfill waits until it is back at the
cap). "Server max stall" is the server's longest event-loop delay in the
phase: when it is far below the p99, the slow deliveries waited on the database, not on the
server. Each side's Postgres backends are told apart by their \`application_name\` and sampled
from \`pg_stat_activity\` every 50 ms while the backfill runs: "running" is a backend not waiting
on anything Postgres names (CPU); \`Lock:*\` would be the backfill's row locks, \`IO:WALSync\` and
\`LWLock:WALWrite\` commits waiting for the shared write-ahead log.

Throughput: ${settings.rounds} round${settings.rounds > 1 ? 's' : ''} of (a), the backfill, (b) and (c), the order rotated each round; each
figure is the median over rounds, each ratio the backfill's users/s over the baseline's in the same
round, then the median. The memory targets use the first round's backfill (reconcile runs after
it); the webhook figures are one run. The machine is shared (load average above).

${renderBackfillTables(result)}
${SECTION_END}
`
}

/**
 * BENCHMARKS.md from what ran: the webhook suite's document (or the file's own part before the
 * section when that suite did not run), then this run's backfill section (or the file's own).
 */
export function mergeBenchmarks(
  existing: string | null,
  webhookDocument: string | null,
  backfillSection: string | null,
): string {
  const start = existing?.indexOf(SECTION_START) ?? -1
  const end = existing?.indexOf(SECTION_END) ?? -1
  const hasSection = existing !== null && start >= 0 && end > start
  const oldSection = hasSection ? existing.slice(start, end + SECTION_END.length) : null
  const oldRest =
    existing === null
      ? ''
      : hasSection
        ? existing.slice(0, start) + existing.slice(end + SECTION_END.length)
        : existing
  const head = (webhookDocument ?? oldRest).trimEnd()
  const section = backfillSection ?? oldSection
  return section ? `${head}\n\n${section.trimEnd()}\n` : `${head}\n`
}
