/**
 * The queue bench's report: the console tables, the targets of issue 15 (pass or miss, from the
 * measured medians), and its own section of BENCHMARKS.md between markers, replaced in place by
 * the next run that includes the suite and kept as it is by runs that do not.
 */
import type { QueueRun, QueueSuiteResult } from './suite.js'
import { describeDeployment } from './suite.js'

export const QUEUE_SECTION_START = '<!-- queue-bench:start -->'
export const QUEUE_SECTION_END = '<!-- queue-bench:end -->'

const one = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–')
const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–'
const ratio = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '–')

function median(values: number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export interface QueueTarget {
  name: string
  goal: string
  measured: string
  pass: boolean
}

type Pair = { direct: QueueRun; queue: QueueRun }

/** Medians over rounds of one side of a paired part. */
function sideMedians(pairs: Pair[], side: keyof Pair) {
  return {
    p50: median(pairs.map((pair) => pair[side].load.p50Ms)),
    p99: median(pairs.map((pair) => pair[side].load.p99Ms)),
    acked: median(pairs.map((pair) => pair[side].load.eventsPerSecond)),
    drained: median(pairs.map((pair) => pair[side].drainedPerSecond)),
  }
}

export function queueTargets(result: QueueSuiteResult): QueueTarget[] {
  const direct = sideMedians(result.compare, 'direct')
  const queue = sideMedians(result.compare, 'queue')
  // Ratios are paired per round (the same minute's noise on both sides), then the median.
  const p99Ratio = median(
    result.compare.map((pair) => pair.queue.load.p99Ms / pair.direct.load.p99Ms),
  )
  const drainRatio = median(
    result.compare.map((pair) => pair.queue.drainedPerSecond / pair.direct.drainedPerSecond),
  )
  const lockedDirect = sideMedians(result.locked, 'direct')
  const lockedQueue = sideMedians(result.locked, 'queue')
  const workers = result.settings.workersPerQueueDeployment
  return [
    {
      name: 'queue-mode ack p99',
      goal: '≤ 50 ms',
      measured: `${one(queue.p99)} ms`,
      pass: queue.p99 <= 50,
    },
    {
      name: 'queue-mode ack p99 vs direct mode',
      goal: '≤ 1.00x',
      measured: `${ratio(p99Ratio)} (${one(queue.p99)} vs ${one(direct.p99)} ms)`,
      pass: p99Ratio <= 1,
    },
    {
      name: `drained events/s, ${workers} workers vs direct mode`,
      goal: '≥ 0.80x',
      measured: `${ratio(drainRatio)} (${int(queue.drained)} vs ${int(direct.drained)} ev/s)`,
      pass: drainRatio >= 0.8,
    },
    {
      name: `ack p99, users table locked ${result.settings.lockMs} ms: queue vs direct`,
      goal: '< 1.00x (queue mode wins)',
      measured: `${ratio(lockedQueue.p99 / lockedDirect.p99)} (${one(lockedQueue.p99)} vs ${one(lockedDirect.p99)} ms)`,
      pass: lockedQueue.p99 < lockedDirect.p99,
    },
  ]
}

/** CPU µs per event of a run's processes of one role, together. */
const cpuPerEvent = (run: QueueRun, role: 'web' | 'worker') =>
  (run.cpu.filter((c) => c.role === role).reduce((sum, c) => sum + c.cpuMs, 0) * 1000) /
  Math.max(1, run.load.events)

function runRows(pairs: Pair[]): string[] {
  const rows: string[] = []
  for (const side of ['direct', 'queue'] as const) {
    const m = sideMedians(pairs, side)
    const web = median(pairs.map((pair) => cpuPerEvent(pair[side], 'web')))
    const workers = median(pairs.map((pair) => cpuPerEvent(pair[side], 'worker')))
    rows.push(
      `| ${describeDeployment(pairs[0]![side].deployment)} | ${one(m.p50)} | ${one(m.p99)} | ${int(m.acked)} | ${int(m.drained)} | ${one(web)} | ${side === 'queue' ? one(workers) : '–'} |`,
    )
  }
  return rows
}

function scaleRows(rounds: QueueRun[][], counts: number[], what: string): string[] {
  return counts.map((n, index) => {
    const drained = median(rounds.map((runs) => runs[index]!.drainedPerSecond))
    const vsOne = median(
      rounds.map((runs) => runs[index]!.drainedPerSecond / runs[0]!.drainedPerSecond),
    )
    const last = rounds[rounds.length - 1]![index]!
    const events = last.load.events
    const cpu = last.cpu
      .map((c) => `${c.role} ${one((c.cpuMs * 1000) / Math.max(1, events))}`)
      .join(', ')
    const p99 = median(rounds.map((runs) => runs[index]!.load.p99Ms))
    return `| ${n} ${what} | ${int(drained)} | ${ratio(vsOne)} | ${one(p99)} | ${cpu} |`
  })
}

const HEAD =
  '| deployment | ack p50 ms | ack p99 ms | acked ev/s | drained ev/s | web CPU µs/event | workers CPU µs/event |'
const RULE = '| --- | --: | --: | --: | --: | --: | --: |'

export function renderQueueTables(result: QueueSuiteResult): string {
  const s = result.settings
  const lines = [
    `(a) direct vs queue mode, concurrency ${s.concurrency}, ${int(s.deliveries)} events per run (${Math.round(s.createdShare * 100)}% new users), median of ${result.compare.length} round(s)`,
    HEAD,
    RULE,
    ...(result.compare.length ? runRows(result.compare) : []),
    '',
    `(b) another transaction locks the users table (EXCLUSIVE) for ${s.lockMs} ms as the run starts, ${int(s.lockedDeliveries)} events per run`,
    HEAD,
    RULE,
    ...(result.locked.length ? runRows(result.locked) : []),
    '',
    `(c) processes on ${result.machine.cpus} cores, ${int(s.scaleDeliveries)} events per run; CPU µs/event per process (last round). Workers: the events are acknowledged by one web process while they are paused, then they are resumed together and timed until the backlog is applied (their ack p99 is the web process's with no worker running)`,
    '| processes | drained ev/s | vs 1 process | ack p99 ms | CPU µs/event per process |',
    '| --- | --: | --: | --: | --- |',
    ...(result.scaleDirect.length
      ? scaleRows(result.scaleDirect, s.processCounts, 'direct web')
      : []),
    ...(result.scaleWorkers.length
      ? scaleRows(result.scaleWorkers, s.processCounts, 'queue worker(s), from a backlog')
      : []),
    '',
    '| target | goal | measured | |',
    '| --- | --- | --- | --- |',
    ...(result.compare.length && result.locked.length
      ? queueTargets(result).map(
          (t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.pass ? 'pass' : 'MISS'} |`,
        )
      : []),
  ]
  return lines.join('\n')
}

/** App CPU per event (web + workers, medians over rounds) of each mode in (a); Postgres's not counted. */
function appCpuLine(result: QueueSuiteResult): string {
  if (result.compare.length === 0) return ''
  const of = (side: keyof Pair, role: 'web' | 'worker') =>
    median(result.compare.map((pair) => cpuPerEvent(pair[side], role)))
  const direct = of('direct', 'web')
  const queue = of('queue', 'web') + of('queue', 'worker')
  return (
    `In (a) queue mode spent ${int(queue)} µs of app CPU per event (web and workers) against direct mode's ` +
    `${int(direct)} µs: storing the job, fetching it and deleting it are work direct mode does not do. ` +
    `On ${result.machine.cpus} cores that Postgres and the load generator share, that work bounds its rate; ` +
    'queue mode pays off when the writes themselves are slow, as in (b).'
  )
}

export function renderQueueSection(result: QueueSuiteResult, command: string): string {
  const m = result.machine
  return [
    QUEUE_SECTION_START,
    '',
    '## Queue mode (issue 15)',
    '',
    `\`${command}\` on ${m.cpus} cores (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, PostgreSQL ${m.postgres}, pg-boss ${m.pgBoss}; ${Math.round(result.elapsedSeconds)} s; load average ${m.loadAverage.start.map(one).join(' / ')} at the start, ${m.loadAverage.end.map(one).join(' / ')} at the end (1 / 5 / 15 min).`,
    'Every part is its own process: the load generator (signed deliveries over keep-alive HTTP, spread',
    'round-robin over the web processes), Express web processes with `clerkSyncWebhook`, and in queue',
    'mode worker processes running `sync.startWorker()` (concurrency 2, batches of 64). Drizzle on',
    'node-postgres; pools: direct web 8, queue web 1 + pg-boss 8, worker 4 + pg-boss 3. "Drained" runs',
    'from the first send until every event is recorded as applied (direct mode: the last answer, which',
    'follows its write). Each run follows a drained warm-up on freshly started processes; modes and',
    'process counts alternate between rounds. Ratios are paired per round, then the median.',
    '',
    renderQueueTables(result),
    '',
    appCpuLine(result),
    '',
    `The machine has ${m.cpus} cores shared by the load generator, every app process and Postgres:`,
    'more processes than cores add no CPU, so (c) shows what extra processes cost here, not how',
    'clerk-sync scales on a larger machine.',
    '',
    QUEUE_SECTION_END,
  ].join('\n')
}

/** `document` with its queue section replaced by `section`, or kept when `section` is null. */
export function mergeQueueSection(
  document: string,
  previous: string | null,
  section: string | null,
): string {
  const kept = section ?? extractQueueSection(previous)
  const without = removeQueueSection(document).trimEnd()
  return kept ? `${without}\n\n${kept.trimEnd()}\n` : `${without}\n`
}

export function extractQueueSection(document: string | null): string | null {
  if (document === null) return null
  const start = document.indexOf(QUEUE_SECTION_START)
  const end = document.indexOf(QUEUE_SECTION_END)
  return start >= 0 && end > start ? document.slice(start, end + QUEUE_SECTION_END.length) : null
}

export function removeQueueSection(document: string): string {
  const section = extractQueueSection(document)
  return section === null ? document : document.replace(section, '')
}
