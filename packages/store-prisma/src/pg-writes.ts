import type { UpsertUserInput, UpsertUserResult } from '@clerk-sync/core'
import {
  type PgChunk,
  type PgWriteStatements,
  pgBatchUpsertEvents,
  pgBatchUpsertResults,
  pgBatchUpsertStatement,
  pgUpsertParams,
  pgUpsertResult,
  pgWriteStatements,
} from '@clerk-sync/core/store-kit'
import type { RawCapable } from './prisma-like.js'
import type { ParsedField, ResolvedUserModel } from './user-model.js'

/** A field of the client's runtime data model (`_runtimeDataModel.models[Name].fields`). */
export interface RuntimeField {
  name: string
  kind: string
  type: string
  /** The column, when the field has an `@map`. */
  dbName?: string | null
}

/** A model of the client's runtime data model: its table (`@@map`) and schema (`@@schema`). */
export interface RuntimeModel {
  fields: RuntimeField[]
  dbName?: string | null
  schema?: string | null
}

/** One upsert, ready for `$queryRawUnsafe`. */
export interface PreparedUpsert {
  sql: string
  values: unknown[]
}

export interface PgUpserts {
  /** The statement and its values for the `data` the model's `toData` gave. */
  prepare(input: UpsertUserInput<string>, data: Record<string, unknown>): PreparedUpsert
  run(client: RawCapable, prepared: PreparedUpsert): Promise<UpsertUserResult<string>>
  /**
   * Group commit: the batch statement (core's `pgBatchUpsertStatement`) for these inputs, given
   * each one's `data` from the model's `toData`, or null when they cannot share it (they write
   * different fields, or a value has no JSON form, as Bytes): the caller runs the write flow.
   */
  prepareBatch(
    inputs: UpsertUserInput<string>[],
    data: Record<string, unknown>[],
  ): PreparedUpsert | null
  runBatch(
    client: RawCapable,
    prepared: PreparedUpsert,
    count: number,
  ): Promise<UpsertUserResult<string>[]>
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Whether a raw `INSERT … ON CONFLICT` of the mapped fields writes the row the delegate would,
 * and if not, why (for the store's own tests; nothing is logged). The delegate fills what the
 * database cannot: client-side defaults of fields clerk-sync leaves out, and `@updatedAt`.
 */
export function pgUpsertBlocker(
  model: RuntimeModel | undefined,
  parsed: ParsedField[] | undefined,
  written: ReadonlySet<string>,
): string | null {
  if (!model) return 'the client has no runtime data model for the model'
  if (!parsed) return 'the client does not expose its schema'
  const fields = new Map(model.fields.map((f) => [f.name, f]))
  for (const name of written) {
    const field = fields.get(name)
    if (!field || (field.kind !== 'scalar' && field.kind !== 'enum'))
      return `field ${name} is not a scalar of the model`
  }
  for (const f of parsed) {
    if (f.updatedAt) return `field ${f.name} is @updatedAt`
    if (f.clientDefault && !f.relation && !written.has(f.name))
      return `field ${f.name} has a default Prisma computes in the client`
  }
  return null
}

/**
 * A value as raw SQL takes it for the field's column, as the delegate would write it: a DateTime
 * as an ISO string with its `Z` (the pg adapter would send a zone-less string, which a
 * `timestamptz` column reads in the session's time zone; a `timestamp` column drops the `Z`, and
 * Prisma keeps those in UTC), a Json value as JSON (`null` too: the delegate stores JSON null),
 * BigInt and Decimal as text. Untyped parameters take the column's type in `INSERT … SELECT`.
 */
function encode(value: unknown, type: string): unknown {
  if (type === 'Json') return JSON.stringify(value ?? null)
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint' || type === 'Decimal') return String(value)
  return value
}

/**
 * A value for the batch statement's users JSON, read with `jsonb_populate_recordset`: as `encode`
 * sends it, but a Json value as itself (inside the JSON), not as JSON text. A non-finite Float as
 * its text (JSON has no form for it). `undefined` when the value cannot go through JSON.
 */
function encodeForJson(value: unknown, type: string): unknown {
  if (type === 'Bytes') return undefined
  // A JSON null here reads as SQL NULL; the statement turns it back into JSON null (see jsonNull).
  if (type === 'Json') return value ?? null
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint' || type === 'Decimal') return String(value)
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return value
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The batch statement writing JSON null where the users JSON holds null for a Json column, as the
 * delegate (and the single statement) store it: `jsonb_populate_recordset` reads a JSON null as SQL
 * NULL. The column's `r.<column>` in the SELECT list becomes `COALESCE(r.<column>, 'null')`; null
 * when core's text no longer holds it exactly once (the caller then runs the write flow).
 */
function jsonNull(chunks: PgChunk[], jsonColumns: string[]): PgChunk[] | null {
  let out = chunks
  for (const column of jsonColumns) {
    const pattern = new RegExp(`(?<![\\w".])r\\.${escapeRegExp(column)}(?![\\w"])`, 'g')
    let found = 0
    out = out.map((chunk) =>
      typeof chunk === 'string'
        ? chunk.replace(pattern, (match) => {
            found++
            return `COALESCE(${match}, 'null')`
          })
        : chunk,
    )
    if (found !== 1) return null
  }
  return out
}

/**
 * The webhook upsert on Postgres as core's one statement (`pgWriteStatements` in
 * `@clerk-sync/core/store-kit`) over the app's model: table and columns from the client's runtime
 * data model (`@@map`, `@map`, `@@schema`), sent through `$queryRawUnsafe` with `$n` placeholders.
 * The caller decides, with `pgUpsertBlocker`, that the statement writes what the delegate would.
 */
export function pgUpserts(options: {
  users: ResolvedUserModel
  modelName: string
  model: RuntimeModel
  /** Where clerk-sync's tables live (the store's `schema` option). */
  schema: string | undefined
  /** Where Prisma puts the app's model when it has no `@@schema`. */
  modelSchema: string
}): PgUpserts {
  const { users, model } = options
  const qualify = (schema: string | undefined, table: string) =>
    schema ? `${quote(schema)}.${quote(table)}` : quote(table)
  const fields = new Map(model.fields.map((f) => [f.name, f]))
  const column = (name: string) => quote(fields.get(name)?.dbName ?? name)
  const base = {
    events: qualify(options.schema, 'clerk_sync_events'),
    state: qualify(options.schema, 'clerk_sync_user_state'),
    audit: qualify(options.schema, 'clerk_sync_role_audit'),
  }
  const table = qualify(model.schema ?? options.modelSchema, model.dbName ?? options.modelName)
  // The app's role as text: core compares it with the role parameter (an enum would not match).
  const role = users.role ? `${column(users.role)}::text` : null

  // One statement text per set of fields written (an extra field is written only when mapUser
  // returns its key, as the delegate leaves an absent key alone).
  const bySignature = new Map<
    string,
    { names: string[]; statements: PgWriteStatements; batch?: PgChunk[] | null }
  >()
  function statementsFor(data: Record<string, unknown>) {
    const names = [
      users.id,
      ...Object.keys(data).filter((k) => k !== users.id && data[k] !== undefined),
    ]
    const signature = names.join('\u0000')
    let entry = bySignature.get(signature)
    if (!entry) {
      entry = {
        names,
        statements: pgWriteStatements({
          ...base,
          users: { table, id: column(users.id), role, columns: names.map(column) },
        }),
      }
      bySignature.set(signature, entry)
    }
    return entry
  }

  function render(
    chunks: PgChunk[],
    params: Record<string, unknown>,
    userValues: unknown[],
  ): PreparedUpsert {
    const values: unknown[] = []
    const sql = chunks
      .map((chunk) => {
        if (typeof chunk === 'string') return chunk
        values.push(
          chunk.param.startsWith('user.')
            ? userValues[Number(chunk.param.slice(5))]
            : params[chunk.param],
        )
        return `$${values.length}`
      })
      .join('')
    return { sql, values }
  }

  /** The batch statement for these fields (built once), or null when it cannot be used. */
  function batchFor(entry: { names: string[]; batch?: PgChunk[] | null }): PgChunk[] | null {
    if (entry.batch !== undefined) return entry.batch
    const chunks = pgBatchUpsertStatement({
      ...base,
      // The role column bare: core reads it as ::text itself.
      users: {
        table,
        id: column(users.id),
        role: users.role ? column(users.role) : null,
        columns: entry.names.map(column),
      },
    })
    const json = entry.names.filter((n) => fields.get(n)?.type === 'Json').map(column)
    entry.batch = jsonNull(chunks, json)
    return entry.batch
  }

  return {
    prepare(input, data) {
      const { names, statements } = statementsFor(data)
      const userValues = names.map((name) => encode(data[name], fields.get(name)?.type ?? ''))
      const chunks = input.event ? statements.upsert.withEvent : statements.upsert.withoutEvent
      return render(chunks, pgUpsertParams(input), userValues)
    },
    async run(client, prepared) {
      const rows = await client.$queryRawUnsafe<Array<Record<string, unknown>>>(
        prepared.sql,
        ...prepared.values,
      )
      return pgUpsertResult(rows[0])
    },
    prepareBatch(inputs, data) {
      if (inputs.length === 0 || inputs.length !== data.length) return null
      const entry = statementsFor(data[0]!)
      const signature = entry.names.join('\u0000')
      const rows: Array<Record<string, unknown>> = []
      for (const d of data) {
        if (statementsFor(d).names.join('\u0000') !== signature) return null
        // Keyed by column name: jsonb_populate_recordset(NULL::<table>, …) matches them by name.
        const row: Record<string, unknown> = {}
        for (const name of entry.names) {
          const field = fields.get(name)
          const value = encodeForJson(d[name], field?.type ?? '')
          if (value === undefined) return null
          row[field?.dbName ?? name] = value
        }
        rows.push(row)
      }
      const chunks = batchFor(entry)
      if (!chunks) return null
      return render(
        chunks,
        { events: pgBatchUpsertEvents(inputs), users: JSON.stringify(rows) },
        [],
      )
    },
    async runBatch(client, prepared, count) {
      const rows = await client.$queryRawUnsafe<Array<Record<string, unknown>>>(
        prepared.sql,
        ...prepared.values,
      )
      return pgBatchUpsertResults(rows, count)
    },
  }
}
