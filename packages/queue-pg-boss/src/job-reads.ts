import type { QueueStats } from '@clerk-sync/core/queue-kit'
import { ENQUEUE_TOKEN } from './enqueue-token.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossDb, PgBossJobRow, PgBossLike } from './pg-boss-like.js'

/** A job waiting in a queue, as the dead-letter replay reads it (and pages on). */
export interface WaitingJob {
  id: string
  data: unknown
  /** `created_on` as Postgres prints it (microseconds kept), for the next page's key. */
  createdOn: string
}

/** Where a page of dead letters starts: after this job, in (created_on, id) order. */
export interface PageKey {
  createdOn: string
  id: string
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
  /**
   * The `created_on` of the newest job waiting in `queue` now (null: none), so a replay moves
   * only the jobs there at its start, never the copies that failures make while it runs.
   */
  newestWaiting(queue: string): Promise<string | null>
  /**
   * Up to `limit` jobs waiting (created or retry) in `queue` created at or before `upTo`, oldest
   * first, after `after` in (created_on, id) order.
   */
  waiting(
    queue: string,
    limit: number,
    upTo: string,
    after: PageKey | undefined,
  ): Promise<WaitingJob[]>
  /** The ids of the jobs waiting in `queue` that carry this `svix-id`. */
  waitingForEvent(queue: string, eventId: string): Promise<string[]>
  /**
   * pg-boss 10: puts job `id` of the queue back (failed: to retry with one more attempt;
   * cancelled: to created), clearing `completed_on`, and deletes the dead-letter jobs `copyIds`,
   * in one statement (so in one transaction); the copies stay when the job was not put back.
   * How many jobs were put back (0 or 1).
   */
  requeueWithCopies(id: string, state: 'failed' | 'cancelled', copyIds: string[]): Promise<number>
  /** Live counts of the queue and its dead letters, read from the job table itself. */
  stats(): Promise<QueueStats>
  /** Checks the boss's schema name; throws before anything is stored if it cannot be used. */
  checkSchema(): void
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
  if (!isPgBossSchemaName(schema)) {
    throw new Error(
      `pgBossQueue: unexpected pg-boss schema name ${JSON.stringify(schema)}; pass the \`schema\` option`,
    )
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

/**
 * A schema name as pg-boss writes it into its SQL, verbatim: a bare identifier (folded to lower
 * case by Postgres, as in pg-boss's own statements) or, on 12, a double-quoted one kept as it is.
 * The quoted form excludes what 12 refuses in it (quotes, %, $, dots, backslashes, control
 * characters), so it is safe to interpolate.
 */
export function isPgBossSchemaName(schema: string): boolean {
  return (
    /^[A-Za-z_]\w{0,49}$/.test(schema) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
    /^"[^"'%$.\\\x00-\x1f\x7f]{1,50}"$/.test(schema)
  )
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

    async newestWaiting(queue) {
      const [row] = await sql<{ newest: string | null }>(
        (t) => `SELECT max(created_on)::text AS newest FROM ${t} WHERE name = $1 AND ${WAITING}`,
        [queue],
      )
      return row?.newest ?? null
    },

    waiting(queue, limit, upTo, after) {
      return sql<WaitingJob>(
        (t) => `SELECT id::text AS id, data, created_on::text AS "createdOn" FROM ${t}
          WHERE name = $1 AND ${WAITING} AND created_on <= $3::timestamptz
            AND ($4::timestamptz IS NULL OR (created_on, id) > ($4::timestamptz, $5::uuid))
          ORDER BY created_on, id LIMIT $2`,
        [queue, limit, upTo, after?.createdOn ?? null, after?.id ?? null],
      )
    },

    async requeueWithCopies(id, state, copyIds) {
      // A failed job gets one more attempt, as pg-boss's own retry() gives it.
      const back =
        state === 'failed' ? `state = 'retry', retry_limit = retry_limit + 1` : `state = 'created'`
      const [row] = await sql<{ requeued: number }>(
        (t) => `WITH requeued AS (
            UPDATE ${t} SET ${back}, completed_on = NULL, start_after = now(),
              -- 10's archive also takes a waiting job past keep_until: the queue's retention
              -- window starts again now.
              keep_until = GREATEST(keep_until, now() + (keep_until - created_on))
            WHERE name = $1 AND id = $2::uuid AND state = $3
            RETURNING id
          ), gone AS (
            DELETE FROM ${t}
            WHERE name = $4 AND id = ANY($5::uuid[]) AND EXISTS (SELECT 1 FROM requeued)
            RETURNING id
          )
          SELECT count(*)::int AS requeued FROM requeued`,
        [options.name, id, state, options.deadName, copyIds],
      )
      return row?.requeued ?? 0
    },

    checkSchema() {
      table()
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
