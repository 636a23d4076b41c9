/**
 * What one event costs the database, read from the database's own counters around a run of one
 * path (nothing else writes meanwhile): Postgres's pg_stat_database (commits, rollbacks, tuples)
 * and pg_stat_wal (WAL records, WAL flushes); MariaDB's global status (Questions: every statement
 * a client sent; commits; InnoDB fsyncs). Postgres backends publish their counters late (see
 * `settled`), so its reads wait.
 */
import type { ScopedDatabase } from '../test-support/chaos/index.js'
import type { BenchPath } from './paths.js'
import type { Measurement } from './report.js'

export interface CounterResult {
  path: BenchPath
  events: number
  /** Counter name → delta per event. */
  perEvent: Record<string, number>
}

const PG_IDLE_FLUSH_MS = 11_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function readPostgres(database: ScopedDatabase): Promise<Record<string, number>> {
  const [row] = await database.query(
    `SELECT d.xact_commit, d.xact_rollback, d.tup_inserted, d.tup_updated, d.tup_fetched,
            w.wal_records, w.wal_sync
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
  )
  return Object.fromEntries(Object.entries(row ?? {}).map(([key, value]) => [key, Number(value)]))
}

async function readMariadb(database: ScopedDatabase): Promise<Record<string, number>> {
  const rows = await database.query(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_begin', 'Com_commit', 'Com_rollback', 'Com_select', 'Com_insert', 'Com_update', 'Innodb_data_fsyncs')",
  )
  return Object.fromEntries(rows.map((row) => [String(row.Variable_name), Number(row.Value)]))
}

/**
 * Postgres: a backend that flushed its counters less than a second ago keeps the new ones pending
 * until it has been idle for PGSTAT_IDLE_INTERVAL (10 s), so read after 11 s of quiet.
 */
async function settled(database: ScopedDatabase): Promise<Record<string, number>> {
  await sleep(PG_IDLE_FLUSH_MS)
  return readPostgres(database)
}

/** Counters before the first run (Postgres: after 11 s of quiet); then each run's after. */
export function counterReader(group: 'postgres' | 'mariadb', database: ScopedDatabase) {
  return group === 'postgres' ? () => settled(database) : () => readMariadb(database)
}

export async function collectCounters(
  path: BenchPath,
  before: Record<string, number>,
  read: () => Promise<Record<string, number>>,
  run: () => Promise<Measurement>,
): Promise<{ counters: CounterResult; after: Record<string, number> }> {
  const { result } = await run()
  const after = await read()
  const perEvent: Record<string, number> = {}
  for (const [name, value] of Object.entries(after)) {
    let delta = value - (before[name] ?? 0)
    // The SHOW that reads the counters is itself a question.
    if (name === 'Questions') delta -= 1
    perEvent[name] = result.events > 0 ? delta / result.events : Number.NaN
  }
  return { counters: { path, events: result.events, perEvent }, after }
}
