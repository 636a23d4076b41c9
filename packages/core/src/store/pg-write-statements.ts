import type {
  DeleteUserInput,
  UpsertUserInput,
  UpsertUserResult,
  WriteOutcome,
} from './user-store.js'

/**
 * One webhook write on Postgres as one statement (a delete as two, in one transaction), shared by
 * every store that talks to Postgres. The text is built once per store; each store turns the
 * chunks into its own query (Drizzle's `sql`, Prisma's `$queryRawUnsafe`).
 *
 * Why it is safe under races (READ COMMITTED): a statement reads one snapshot, taken before any
 * lock wait, so only rows it locks are current. The event claim waits on a concurrent duplicate's
 * uncommitted key. The state upsert's `ON CONFLICT DO UPDATE ... WHERE` guard is re-checked
 * against the newest committed row once its lock is taken, and `prev_role = state.role` carries the
 * locked row's role out through RETURNING. The user row is written with `ON CONFLICT`, whose
 * conflict check also sees the newest row (`xmax = 0` says it was inserted). The app's own row is
 * read from the snapshot only when the state row is new: then no clerk-sync write for that user
 * can have committed since the snapshot (it would have held the state row).
 */

/** A chunk of SQL text, or the name of a parameter. */
export type PgChunk = string | { param: string }

export interface PgWriteTables {
  /** Quoted, schema-qualified where needed: `"clerk_sync_events"`, `"app"."clerk_sync_events"`. */
  events: string
  state: string
  audit: string
  /** The app's users table and the quoted columns written. */
  users: {
    table: string
    id: string
    /** The role column, or null when the app's table has none. */
    role: string | null
    /** Columns written, in the order of the `user.<i>` parameters; the id column first. */
    columns: string[]
  }
}

export interface PgWriteStatements {
  upsert: { withEvent: PgChunk[]; withoutEvent: PgChunk[] }
  /** Claims the event and records the tombstone; then `deleteRow` if it applied. */
  tombstone: { withEvent: PgChunk[]; withoutEvent: PgChunk[] }
  deleteRow: PgChunk[]
}

const param = (name: string): PgChunk => ({ param: name })

/** Builds chunks from a template: `${'name'}` inside is a parameter, raw strings are inlined. */
function template(strings: TemplateStringsArray, ...parts: Array<PgChunk | PgChunk[]>): PgChunk[] {
  const chunks: PgChunk[] = []
  strings.forEach((text, i) => {
    chunks.push(text)
    const part = parts[i]
    if (part === undefined) return
    if (Array.isArray(part)) chunks.push(...part)
    else chunks.push(part)
  })
  return chunks
}

function join(items: PgChunk[][], separator: string): PgChunk[] {
  return items.flatMap((item, i) => (i === 0 ? item : [separator, ...item]))
}

function claimCte(t: PgWriteTables): PgChunk[] {
  return template`claim AS (
    INSERT INTO ${t.events} (id, type, received_at)
    VALUES (${param('eventId')}::text, ${param('eventType')}::text, ${param('receivedAt')}::timestamptz)
    ON CONFLICT (id) DO NOTHING
    RETURNING 1 AS one
  )`
}

export function pgWriteStatements(t: PgWriteTables): PgWriteStatements {
  const u = t.users
  const userValues = join(
    u.columns.map((_, i) => [param(`user.${i}`)]),
    ', ',
  )
  // Only the id mapped: still an update, so RETURNING reports the row (DO NOTHING would not).
  const updateSet =
    u.columns
      .filter((c) => c !== u.id)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ') || `${u.id} = excluded.${u.id}`
  const appRole = u.role ?? 'NULL::text'
  const upsert = (withEvent: boolean) =>
    template`WITH ${withEvent ? [...claimCte(t), ','] : []}
  app_before AS (
    SELECT ${appRole} AS role FROM ${u.table} WHERE ${u.id} = ${param('userId')}
  ),
  st AS (
    INSERT INTO ${t.state} AS s (user_id, version, deleted_at, role, prev_role)
    SELECT ${param('userId')}::text, ${param('version')}::bigint, NULL, ${param('role')}::text, NULL
    ${withEvent ? 'FROM claim' : ''}
    ON CONFLICT (user_id) DO UPDATE
      SET version = excluded.version, role = excluded.role, prev_role = s.role
      WHERE s.deleted_at IS NULL AND excluded.version >= s.version
    RETURNING (s.xmax = 0) AS state_new, s.prev_role
  ),
  uw AS (
    INSERT INTO ${u.table} (${u.columns.join(', ')})
    SELECT ${userValues} FROM st
    ON CONFLICT (${u.id}) DO UPDATE SET ${updateSet}
    RETURNING (xmax = 0) AS inserted
  ),
  decided AS (
    SELECT uw.inserted,
      CASE
        WHEN ${param('hasRoleBefore')}::boolean THEN ${param('roleBefore')}::text
        WHEN uw.inserted THEN NULL
        WHEN st.state_new THEN (SELECT role FROM app_before)
        ELSE st.prev_role
      END AS prev_role
    FROM st, uw
  ),
  audit AS (
    INSERT INTO ${t.audit} (actor, target_user_id, from_role, to_role, at, source, event_id)
    SELECT ${param('actor')}::text, ${param('userId')}::text, d.prev_role, ${param('role')}::text,
      ${param('at')}::timestamptz, ${param('source')}::text, ${param('auditEventId')}::text
    FROM decided d
    WHERE d.prev_role IS NOT NULL AND d.prev_role <> ${param('role')}::text
  )
SELECT ${withEvent ? '(SELECT count(*) FROM claim)::int' : '1'} AS claimed,
  (SELECT count(*) FROM decided)::int AS applied,
  (SELECT inserted FROM decided) AS inserted,
  (SELECT prev_role FROM decided) AS prev_role`

  const tombstone = (withEvent: boolean) =>
    template`WITH ${withEvent ? [...claimCte(t), ','] : []}
  st AS (
    INSERT INTO ${t.state} AS s (user_id, version, deleted_at, role)
    SELECT ${param('userId')}::text, ${param('version')}::bigint, ${param('deletedAt')}::timestamptz, NULL
    ${withEvent ? 'FROM claim' : ''}
    ON CONFLICT (user_id) DO UPDATE
      SET deleted_at = excluded.deleted_at, version = GREATEST(s.version, excluded.version)
      WHERE s.deleted_at IS NULL
    RETURNING 1 AS one
  )
SELECT ${withEvent ? '(SELECT count(*) FROM claim)::int' : '1'} AS claimed,
  (SELECT count(*) FROM st)::int AS applied`

  return {
    upsert: { withEvent: upsert(true), withoutEvent: upsert(false) },
    tombstone: { withEvent: tombstone(true), withoutEvent: tombstone(false) },
    // A statement of its own, after the tombstone's lock: its snapshot then includes a row that a
    // racing upsert inserted while this delete waited (one statement's snapshot would miss it).
    deleteRow: template`DELETE FROM ${u.table} WHERE ${u.id} = ${param('userId')}`,
  }
}

/** The parameters of an upsert, by name; the store adds `user.<i>` (its own column encoding). */
export function pgUpsertParams(input: UpsertUserInput<string>): Record<string, unknown> {
  const { user, event, origin } = input
  return {
    eventId: event?.id ?? null,
    eventType: event?.type ?? null,
    receivedAt: event ? event.receivedAt.toISOString() : null,
    userId: user.id,
    version: String(user.updatedAt.getTime()),
    role: user.role,
    hasRoleBefore: input.roleBefore !== undefined,
    roleBefore: input.roleBefore ?? null,
    actor: origin.actor,
    source: origin.source,
    at: new Date().toISOString(),
    auditEventId: event?.id ?? null,
  }
}

export function pgTombstoneParams(input: DeleteUserInput): Record<string, unknown> {
  return {
    eventId: input.event?.id ?? null,
    eventType: input.event?.type ?? null,
    receivedAt: input.event ? input.event.receivedAt.toISOString() : null,
    userId: input.userId,
    version: String(input.deletedAt.getTime()),
    deletedAt: input.deletedAt.toISOString(),
  }
}

/** The upsert statement's one row as the store contract's answer. */
export function pgUpsertResult(row: Record<string, unknown> | undefined): UpsertUserResult<string> {
  if (!row) throw new Error('clerk-sync: the upsert statement returned no row')
  if (Number(row.claimed) === 0) return { outcome: 'duplicate', previousRole: null, created: false }
  if (Number(row.applied) === 0) return { outcome: 'stale', previousRole: null, created: false }
  return {
    outcome: 'applied',
    previousRole: (row.prev_role as string | null) ?? null,
    created: row.inserted === true || row.inserted === 't',
  }
}

export function pgTombstoneOutcome(row: Record<string, unknown> | undefined): WriteOutcome {
  if (!row) throw new Error('clerk-sync: the delete statement returned no row')
  if (Number(row.claimed) === 0) return 'duplicate'
  return Number(row.applied) === 0 ? 'stale' : 'applied'
}
