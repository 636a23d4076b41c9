import type { UpsertUserInput, UpsertUserResult } from '@clerk-sync/core'
import {
  type PgChunk,
  type PgWriteStatements,
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
  const bySignature = new Map<string, { names: string[]; statements: PgWriteStatements }>()
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
  }
}
