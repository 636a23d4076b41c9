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
    /**
     * What a delete does to the app's row: absent, it is deleted; otherwise it is kept and
     * updated (the store's `soft`/`anonymize` policy): `nulled` columns set to NULL, and the
     * `deletedAt` column (if any) to the `retiredAt` parameter, which the store encodes for it.
     */
    retire?: { nulled: string[]; deletedAt: string | null } | null
  }
}

export interface PgWriteStatements {
  upsert: { withEvent: PgChunk[]; withoutEvent: PgChunk[] }
  /** Claims the event and records the tombstone; then `deleteRow` if it applied. */
  tombstone: { withEvent: PgChunk[]; withoutEvent: PgChunk[] }
  /** The app's row deleted, or kept and updated under `users.retire`. */
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
  // As text: an enum role column would not match the text of the other CASE branches.
  const appRole = u.role ? `${u.role}::text` : 'NULL::text'
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
  stored AS (
    SELECT uw.inserted,
      CASE
        WHEN uw.inserted THEN NULL
        WHEN st.state_new THEN (SELECT role FROM app_before)
        ELSE st.prev_role
      END AS role
    FROM st, uw
  ),
  decided AS (
    -- roleBefore names the audit's "from", unless the store already held the new role: then the
    -- change was recorded by the write that brought it (the webhook echo of a set-role).
    SELECT inserted,
      CASE
        WHEN ${param('hasRoleBefore')}::boolean AND role IS DISTINCT FROM ${param('role')}::text
          THEN ${param('roleBefore')}::text
        ELSE role
      END AS prev_role
    FROM stored
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

  const retire = u.retire
  const retireSet: PgChunk[][] = retire
    ? [
        ...retire.nulled.map((c): PgChunk[] => [`${c} = NULL`]),
        ...(retire.deletedAt ? [[`${retire.deletedAt} = `, param('retiredAt')]] : []),
      ]
    : []
  const deleteRow = retire
    ? template`UPDATE ${u.table} SET ${join(retireSet.length ? retireSet : [[`${u.id} = ${u.id}`]], ', ')} WHERE ${u.id} = ${param('userId')}`
    : template`DELETE FROM ${u.table} WHERE ${u.id} = ${param('userId')}`

  return {
    upsert: { withEvent: upsert(true), withoutEvent: upsert(false) },
    tombstone: { withEvent: tombstone(true), withoutEvent: tombstone(false) },
    // A statement of its own, after the tombstone's lock: its snapshot then includes a row that a
    // racing upsert inserted while this delete waited (one statement's snapshot would miss it).
    // The same holds for the UPDATE that keeps the row under `soft`/`anonymize`.
    deleteRow,
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

/**
 * Many webhook upserts in one statement (group commit): the same CTEs as the single upsert, over
 * rows. Two parameters: `events` (a JSON array, one object per input: see pgBatchUpsertEvents) and
 * `users` (a JSON array of the users' rows keyed by column name, read with
 * `jsonb_populate_recordset(NULL::<users table>, …)`, so each value takes its column's own type).
 * A batch holds at most one input per user and per event id (the caller splits the rest into later
 * batches), and every statement writes its rows sorted by key, so two batches lock in one order.
 */
export function pgBatchUpsertStatement(t: PgWriteTables): PgChunk[] {
  const u = t.users
  const updateSet =
    u.columns
      .filter((c) => c !== u.id)
      .map((c) => `${c} = excluded.${c}`)
      .join(', ') || `${u.id} = excluded.${u.id}`
  const appRole = u.role ? `a.${u.role}::text` : 'NULL::text'
  return template`WITH i AS (
    SELECT * FROM jsonb_to_recordset(${param('events')}::jsonb) AS x(
      ord int, event_id text, event_type text, received_at timestamptz, user_id text,
      version bigint, role text, has_role_before boolean, role_before text, actor text,
      source text, at timestamptz)
  ),
  claim AS (
    INSERT INTO ${t.events} (id, type, received_at)
    SELECT event_id, event_type, received_at FROM i WHERE event_id IS NOT NULL ORDER BY event_id
    ON CONFLICT (id) DO NOTHING
    RETURNING id
  ),
  go AS (
    SELECT i.* FROM i WHERE i.event_id IS NULL OR i.event_id IN (SELECT id FROM claim)
  ),
  app_before AS (
    SELECT a.${u.id} AS id, ${appRole} AS role FROM ${u.table} a
    WHERE a.${u.id} IN (SELECT user_id FROM i)
  ),
  st AS (
    INSERT INTO ${t.state} AS s (user_id, version, deleted_at, role, prev_role)
    SELECT user_id, version, NULL, role, NULL FROM go ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE
      SET version = excluded.version, role = excluded.role, prev_role = s.role
      WHERE s.deleted_at IS NULL AND excluded.version >= s.version
    RETURNING s.user_id, (s.xmax = 0) AS state_new, s.prev_role
  ),
  uw AS (
    INSERT INTO ${u.table} (${u.columns.join(', ')})
    SELECT ${u.columns.map((c) => `r.${c}`).join(', ')}
    FROM jsonb_populate_recordset(NULL::${u.table}, ${param('users')}::jsonb) r
    WHERE r.${u.id} IN (SELECT user_id FROM st)
    ORDER BY r.${u.id}
    ON CONFLICT (${u.id}) DO UPDATE SET ${updateSet}
    RETURNING ${u.id} AS id, (xmax = 0) AS inserted
  ),
  stored AS (
    SELECT go.ord, uw.inserted,
      CASE
        WHEN uw.inserted THEN NULL
        WHEN st.state_new THEN (SELECT b.role FROM app_before b WHERE b.id = go.user_id)
        ELSE st.prev_role
      END AS role
    FROM go JOIN st ON st.user_id = go.user_id JOIN uw ON uw.id = go.user_id
  ),
  decided AS (
    -- As in the single upsert: roleBefore, unless the store already held the new role.
    SELECT s.ord, s.inserted,
      CASE
        WHEN go.has_role_before AND s.role IS DISTINCT FROM go.role THEN go.role_before
        ELSE s.role
      END AS prev_role
    FROM stored s JOIN go ON go.ord = s.ord
  ),
  audit AS (
    INSERT INTO ${t.audit} (actor, target_user_id, from_role, to_role, at, source, event_id)
    SELECT go.actor, go.user_id, d.prev_role, go.role, go.at, go.source, go.event_id
    FROM decided d JOIN go ON go.ord = d.ord
    WHERE d.prev_role IS NOT NULL AND d.prev_role <> go.role
    ORDER BY d.ord
  )
SELECT i.ord,
  (i.event_id IS NULL OR i.event_id IN (SELECT id FROM claim)) AS claimed,
  (d.ord IS NOT NULL) AS applied, d.inserted, d.prev_role
FROM i LEFT JOIN decided d ON d.ord = i.ord
ORDER BY i.ord`
}

/** The `events` parameter of pgBatchUpsertStatement, as JSON text. */
export function pgBatchUpsertEvents(inputs: UpsertUserInput<string>[]): string {
  const at = new Date().toISOString()
  return JSON.stringify(
    inputs.map((input, ord) => ({
      ord,
      event_id: input.event?.id ?? null,
      event_type: input.event?.type ?? null,
      received_at: input.event ? input.event.receivedAt.toISOString() : null,
      user_id: input.user.id,
      version: input.user.updatedAt.getTime(),
      role: input.user.role,
      has_role_before: input.roleBefore !== undefined,
      role_before: input.roleBefore ?? null,
      actor: input.origin.actor,
      source: input.origin.source,
      at,
    })),
  )
}

/** The batch statement's rows (one per input, by `ord`) as the inputs' answers, in input order. */
export function pgBatchUpsertResults(
  rows: Array<Record<string, unknown>>,
  count: number,
): UpsertUserResult<string>[] {
  const results: UpsertUserResult<string>[] = new Array(count)
  for (const row of rows) {
    const claimed = row.claimed === true || row.claimed === 't'
    const applied = row.applied === true || row.applied === 't'
    results[Number(row.ord)] = !claimed
      ? { outcome: 'duplicate', previousRole: null, created: false }
      : !applied
        ? { outcome: 'stale', previousRole: null, created: false }
        : {
            outcome: 'applied',
            previousRole: (row.prev_role as string | null) ?? null,
            created: row.inserted === true || row.inserted === 't',
          }
  }
  for (let i = 0; i < count; i++) {
    if (!results[i]) throw new Error('clerk-sync: the batch upsert statement lost an input')
  }
  return results
}
