/**
 * What the database backends of named connections are doing, sampled from `pg_stat_activity`
 * every `intervalMs`: running (on CPU, or at least not waiting on anything Postgres names), or
 * waiting (`IO:WALSync`, `Lock:transactionid`, ...). Connections are told apart by their
 * `application_name` (set in their connection URL), so the shared server's other clients do not
 * count. Says whether slow webhooks waited on the backfill's locks or on shared resources.
 */
import type { RawDatabase } from '../../test-support/raw-database.js'

export type WaitCounts = Record<string, Record<string, number>>

/** The URL with `application_name`, which node-postgres sends at connect. */
export function withApplicationName(url: string, name: string): string {
  const copy = new URL(url)
  copy.searchParams.set('application_name', name)
  return copy.toString()
}

export function startWaitSampler(
  database: RawDatabase,
  applications: string[],
  intervalMs = 50,
): { stop(): Promise<WaitCounts> } {
  const counts: WaitCounts = {}
  let stopped = false
  const placeholders = applications.map(() => '?').join(', ')
  const loop = (async () => {
    while (!stopped) {
      const rows = await database.query(
        `SELECT application_name AS app, wait_event_type AS type, wait_event AS event FROM pg_stat_activity WHERE state = 'active' AND application_name IN (${placeholders})`,
        applications,
      )
      for (const row of rows) {
        const app = String(row.app)
        const what = row.type ? `${row.type}:${row.event}` : 'running'
        counts[app] ??= {}
        counts[app][what] = (counts[app][what] ?? 0) + 1
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  })()
  return {
    async stop() {
      stopped = true
      await loop
      return counts
    },
  }
}

/** `running 45%, IO:WALSync 30%, ...` of one application's samples, largest first. */
export function describeWaits(counts: Record<string, number> | undefined): string {
  if (!counts) return 'never seen active'
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0)
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([what, count]) => `${what} ${Math.round((count / total) * 100)}%`)
    .join(', ')
    .concat(` (${total} samples)`)
}
