import type { QueueStats } from '@clerk-sync/core/queue-kit'
import { ENQUEUE_TOKEN } from './enqueue-token.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossDb, PgBossJobRow, PgBossLike } from './pg-boss-like.js'

/** A job waiting in a queue, as the dead-letter replay reads it. */
export interface WaitingJob {
  id: string
  data: unknown
}

/** A job as the grouped enqueue reads it back: its state, and whether this insert stored it. */
export interface InsertedJob {
  id: string
  state: string
  mine: boolean
}

export interface JobReads {
  /**
   * The jobs of `queue` with these ids, in one statement; `mine` when the job's data carries this
   * insert's `token` (so it is the row just stored, not one that held the id before).
   */
  inserted(queue: string, ids: string[], token: string): Promise<InsertedJob[]>
  /** Up to `limit` jobs waiting (created or retry) in `queue`, oldest first. */
  waiting(queue: string, limit: number): Promise<WaitingJob[]>
  /** The ids of the jobs waiting in `queue` that carry this `svix-id`. */
  waitingForEvent(queue: string, eventId: string): Promise<string[]>
  /** Live counts of the queue and its dead letters, read from the job table itself. */
  stats(): Promise<QueueStats>
}

// pg-boss 10 and 12 keep every queue's jobs in `<schema>.job` (12 partitions it by name), with
// the same `name`, `state` and `created_on` columns.
const WAITING = `state IN ('created', 'retry')`

function schemaOf(boss: PgBossLike, configured: string | undefined): string {
  if (configured) return configured
  // The built-in connection of both majors carries the constructor's options; an app's own `db`
  // may not, and then pg-boss's default schema is the best guess (the option says otherwise).
  const config = (boss.getDb() as { config?: { schema?: unknown } }).config
  const schema = typeof config?.schema === 'string' ? config.schema : 'pgboss'
  if (!/^[A-Za-z_]\w*$/.test(schema)) {
    throw new Error(`pgBossQueue: unexpected pg-boss schema name ${JSON.stringify(schema)}`)
  }
  return schema
}

async function rowsOf<T>(db: PgBossDb, text: string, values: unknown[]): Promise<T[]> {
  const result = await db.executeSql(text, values)
  // pg-boss 10 answers nothing at all, instead of throwing, once it is stopped.
  if (!result) throw new Error('pg-boss is not started (its database connection is closed)')
  return result.rows as T[]
}

function isWaiting(row: PgBossJobRow): boolean {
  return row.state === 'created' || row.state === 'retry'
}

export function jobReads(boss: PgBossLike, options: ResolvedOptions): JobReads {
  let schema: string | undefined
  const table = () => {
    schema ??= schemaOf(boss, options.schema)
    return `${schema}.job`
  }
  const sql = <T>(text: (table: string) => string, values: unknown[]) =>
    rowsOf<T>(boss.getDb(), text(table()), values)

  return {
    inserted(queue, ids, token) {
      return sql<InsertedJob>(
        (t) => `SELECT id::text AS id, state::text AS state,
            coalesce(data->>'${ENQUEUE_TOKEN}' = $3, false) AS mine
          FROM ${t} WHERE name = $1 AND id = ANY($2::uuid[])`,
        [queue, ids, token],
      )
    },

    async waiting(queue, limit) {
      if (boss.findJobs) {
        const jobs = await boss.findJobs(queue, { queued: true, limit })
        return jobs.filter(isWaiting).map((job) => ({ id: job.id, data: job.data }))
      }
      return sql<WaitingJob>(
        (t) => `SELECT id, data FROM ${t} WHERE name = $1 AND ${WAITING}
          ORDER BY created_on, id LIMIT $2`,
        [queue, limit],
      )
    },

    async waitingForEvent(queue, eventId) {
      if (boss.findJobs) {
        const jobs = await boss.findJobs(queue, { data: { eventId }, queued: true })
        return jobs.filter(isWaiting).map((job) => job.id)
      }
      const rows = await sql<{ id: string }>(
        (t) => `SELECT id FROM ${t} WHERE name = $1 AND ${WAITING} AND data->>'eventId' = $2`,
        [queue, eventId],
      )
      return rows.map((row) => row.id)
    },

    async stats() {
      const [row] = await sql<{
        queued: number
        active: number
        dead: number
        oldest_ms: number | null
      }>(
        (t) => `SELECT
            count(*) FILTER (WHERE name = $1 AND ${WAITING})::int AS queued,
            count(*) FILTER (WHERE name = $1 AND state = 'active')::int AS active,
            count(*) FILTER (WHERE name = $2 AND ${WAITING})::int AS dead,
            (EXTRACT(EPOCH FROM now() - min(created_on) FILTER (WHERE name = $1 AND ${WAITING}))
              * 1000)::float8 AS oldest_ms
          FROM ${t}
          WHERE name IN ($1, $2) AND state IN ('created', 'retry', 'active')`,
        [options.name, options.deadName],
      )
      return {
        queued: row?.queued ?? 0,
        active: row?.active ?? 0,
        dead: row?.dead ?? 0,
        oldestQueuedAgeMs: row?.oldest_ms == null ? null : Math.max(0, Math.round(row.oldest_ms)),
      }
    },
  }
}
