import {
  ClerkSyncError,
  type DeleteUserResult,
  type UpsertUserInput,
  type UpsertUserResult,
} from '@clerk-sync/core'
import {
  type PgChunk,
  type PgWriteStatements,
  pgBatchUpsertEvents,
  pgBatchUpsertResults,
  pgBatchUpsertStatement,
  pgTombstoneOutcome,
  pgTombstoneParams,
  pgUpsertParams,
  pgUpsertResult,
  pgWriteStatements,
} from '@clerk-sync/core/store-kit'
import { type Column, getTableName, type SQL, sql, type Table } from 'drizzle-orm'
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import { clerkSyncEvents, clerkSyncRoleAudit, clerkSyncUserState } from '../schema/pg.js'
import type { ResolvedUsersTable } from '../users-table.js'

// biome-ignore lint/suspicious/noExplicitAny: a database or transaction of any Postgres driver.
type PgRunner = { execute(query: SQL): Promise<any> }

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

function qualified(table: Table): string {
  const { schema } = getTableConfig(table as PgTable)
  const name = quote(getTableName(table))
  return schema ? `${quote(schema)}.${name}` : name
}

/** Rows from `execute`, whichever driver ran it: node-postgres and PGlite wrap them, postgres-js does not. */
function rowsOf(result: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(result)) return result
  return ((result as { rows?: Array<Record<string, unknown>> }).rows ?? []) as Array<
    Record<string, unknown>
  >
}

/** A statement compiled once: its text with `$n` placeholders and the parameter behind each. */
interface CompiledStatement {
  text: string
  /** `names[i]` is the parameter sent as `$<i + 1>`. */
  names: string[]
  /** A prepared-statement name from the text, so each connection parses and plans it once. */
  name: string
}

/** One write, ready to send: the compiled text and this write's values. */
export interface PgQuery {
  statement: CompiledStatement
  values: unknown[]
}

const compiled = new WeakMap<PgChunk[], CompiledStatement>()

function compile(chunks: PgChunk[]): CompiledStatement {
  const cached = compiled.get(chunks)
  if (cached) return cached
  const index = new Map<string, number>()
  let text = ''
  for (const chunk of chunks) {
    if (typeof chunk === 'string') {
      text += chunk
      continue
    }
    let n = index.get(chunk.param)
    if (n === undefined) {
      n = index.size + 1
      index.set(chunk.param, n)
    }
    text += `$${n}`
  }
  // FNV-1a: a short, stable name per text (node-postgres refuses one name for two texts).
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  const statement = {
    text,
    names: [...index.keys()],
    name: `clerk_sync_${(hash >>> 0).toString(36)}_${text.length}`,
  }
  compiled.set(chunks, statement)
  return statement
}

interface PgDriverClient {
  // node-postgres Pool or Client
  query?: (config: { name: string; text: string; values: unknown[] }) => Promise<unknown>
  totalCount?: number
  connectionParameters?: unknown
  // postgres-js
  unsafe?: (text: string, values: unknown[], options: { prepare: boolean }) => Promise<unknown>
}

/**
 * Sends the compiled text straight to the driver under Drizzle (node-postgres as a named
 * prepared statement, postgres-js prepared): the statement is built once per store instead of
 * once per delivery, and parsed once per connection. Other drivers (PGlite, HTTP drivers) get it
 * through Drizzle's `execute`.
 */
async function send(db: PgRunner, query: PgQuery): Promise<Array<Record<string, unknown>>> {
  const { statement, values } = query
  const client = (db as { $client?: PgDriverClient }).$client
  if (typeof client?.unsafe === 'function') {
    return rowsOf(await client.unsafe(statement.text, values, { prepare: true }))
  }
  if (
    client &&
    typeof client.query === 'function' &&
    (typeof client.totalCount === 'number' || typeof client.connectionParameters === 'object')
  ) {
    return rowsOf(await client.query({ name: statement.name, text: statement.text, values }))
  }
  return viaDrizzle(db, query)
}

async function viaDrizzle(db: PgRunner, query: PgQuery): Promise<Array<Record<string, unknown>>> {
  const { statement, values } = query
  const chunks: SQL[] = []
  const parts = statement.text.split(/\$(\d+)/)
  for (let i = 0; i < parts.length; i++) {
    chunks.push(i % 2 === 0 ? sql.raw(parts[i]!) : sql`${values[Number(parts[i]) - 1]}`)
  }
  return rowsOf(await db.execute(sql.join(chunks)))
}

export interface PgWrites {
  /**
   * The upsert's statement, or null when the user cannot be written as it is (a NOT NULL column it
   * leaves empty, an extra with no column): then the store runs the write flow, which answers
   * stale before it fails, so Svix's retries of an older event end.
   */
  prepareUpsert(input: UpsertUserInput<string>): PgQuery | null
  upsertUser(db: PgRunner, query: PgQuery): Promise<UpsertUserResult<string>>
  /**
   * The group-commit statement for these inputs (one per user and event id), or null when one
   * cannot be written as it is or they write different columns: the caller writes each alone.
   */
  prepareBatch(inputs: UpsertUserInput<string>[]): PgQuery | null
  upsertBatch(db: PgRunner, query: PgQuery, count: number): Promise<UpsertUserResult<string>[]>
  /** The same, inside a transaction the caller opened (a bulk upsert of several batches). */
  upsertBatchInTransaction(
    tx: PgRunner,
    query: PgQuery,
    count: number,
  ): Promise<UpsertUserResult<string>[]>
  /**
   * Runs inside the transaction the caller opened (two statements: the tombstone, then the row
   * deleted, or kept and updated under onDelete 'soft'/'anonymize').
   */
  deleteUser(
    tx: PgRunner,
    input: Parameters<typeof pgTombstoneParams>[0],
  ): Promise<DeleteUserResult>
}

/**
 * The webhook writes on Postgres as core's one-statement SQL (see pg-write-statements.ts in
 * @clerk-sync/core), over the app's users table as mapped.
 */
export function pgWrites(users: ResolvedUsersTable): PgWrites {
  const columnsByKey = new Map<string, Column>()
  columnsByKey.set(users.idKey, users.id)
  for (const { key, column } of users.fields) columnsByKey.set(key, column)
  if (users.extra.kind === 'json') columnsByKey.set(users.extra.key, users.extra.column)
  else for (const { key, column } of users.extra.columns) columnsByKey.set(key, column)

  const base = {
    events: qualified(clerkSyncEvents),
    state: qualified(clerkSyncUserState),
    audit: qualified(clerkSyncRoleAudit),
  }
  const table = qualified(users.table)
  const tombstoneStatements = pgWriteStatements({
    ...base,
    users: {
      table,
      id: quote(users.id.name),
      role: null,
      columns: [quote(users.id.name)],
      retire:
        users.onDelete === 'delete'
          ? null
          : {
              nulled: users.nulledOnDelete.map(({ column }) => quote(column.name)),
              deletedAt: users.deletedAt ? quote(users.deletedAt.column.name) : null,
            },
    },
  })
  /** The delete time as the deletedAt column takes it (the statement leaves its type to it). */
  const retiredAt = (deletedAt: Date): unknown => {
    if (!users.deletedAt) return null
    const value = users.retireValues(deletedAt)[users.deletedAt.key]
    return value === null || value === undefined
      ? null
      : users.deletedAt.column.mapToDriverValue(value)
  }

  // One set of statements per set of columns written: mapped extra columns are written only when
  // mapUser returns them (as Drizzle's insert leaves an absent key to its default).
  const byColumns = new Map<
    string,
    { keys: string[]; statements: PgWriteStatements & { batch: PgChunk[] } }
  >()
  function statementsFor(values: Record<string, unknown>) {
    const keys = Object.keys(values)
    const signature = keys.join('\u0000')
    let entry = byColumns.get(signature)
    if (!entry) {
      const ordered = [users.idKey, ...keys.filter((k) => k !== users.idKey)]
      const tables = {
        ...base,
        users: {
          table,
          id: quote(users.id.name),
          role: users.role ? quote(users.role.name) : null,
          columns: ordered.map((k) => quote(columnsByKey.get(k)!.name)),
        },
      }
      entry = {
        keys: ordered,
        statements: { ...pgWriteStatements(tables), batch: pgBatchUpsertStatement(tables) },
      }
      byColumns.set(signature, entry)
    }
    return entry
  }

  function queryOf(
    chunks: PgChunk[],
    params: Record<string, unknown>,
    userValues: unknown[] = [],
  ): PgQuery {
    const statement = compile(chunks)
    const values = statement.names.map((name) =>
      name.startsWith('user.') ? userValues[Number(name.slice(5))] : params[name],
    )
    return { statement, values }
  }

  /** A value as its column sends it (jsonb as JSON text, timestamps as ISO), as inserts do. */
  function encode(key: string, value: unknown): unknown {
    return value === null || value === undefined
      ? null
      : columnsByKey.get(key)!.mapToDriverValue(value)
  }

  /** The user's column values, or null when it cannot be written as it is (see prepareUpsert). */
  function valuesOf(input: UpsertUserInput<string>): Record<string, unknown> | null {
    try {
      return users.toValues(input.user)
    } catch (error) {
      if (error instanceof ClerkSyncError) return null
      throw error
    }
  }

  return {
    prepareUpsert(input) {
      const values = valuesOf(input)
      if (!values) return null
      const { keys, statements } = statementsFor(values)
      const chunks = input.event ? statements.upsert.withEvent : statements.upsert.withoutEvent
      return queryOf(
        chunks,
        pgUpsertParams(input),
        keys.map((key) => encode(key, values[key])),
      )
    },
    async upsertUser(db, query) {
      return pgUpsertResult((await send(db, query))[0])
    },
    prepareBatch(inputs) {
      const rows: Array<Record<string, unknown>> = []
      let signature: string | null = null
      for (const input of inputs) {
        const values = valuesOf(input)
        if (!values) return null
        const keys = Object.keys(values)
        const own = keys.join('\u0000')
        if (signature !== null && own !== signature) return null
        signature = own
        // Keyed by column name, each value as its column sends it (a JSON column's value as JSON).
        const row: Record<string, unknown> = {}
        for (const key of keys) {
          const column = columnsByKey.get(key)!
          const value = values[key]
          row[column.name] =
            value === null || value === undefined
              ? null
              : column.dataType === 'json'
                ? value
                : column.mapToDriverValue(value)
        }
        rows.push(row)
      }
      if (rows.length === 0) return null
      const { statements } = statementsFor(users.toValues(inputs[0]!.user))
      return queryOf(statements.batch, {
        events: pgBatchUpsertEvents(inputs),
        users: JSON.stringify(rows),
      })
    },
    async upsertBatch(db, query, count) {
      return pgBatchUpsertResults(await send(db, query), count)
    },
    async upsertBatchInTransaction(tx, query, count) {
      // Inside Drizzle's transaction: its connection, so through `execute`, not the pool.
      return pgBatchUpsertResults(await viaDrizzle(tx, query), count)
    },
    async deleteUser(tx, input) {
      const params = pgTombstoneParams(input)
      const chunks = input.event
        ? tombstoneStatements.tombstone.withEvent
        : tombstoneStatements.tombstone.withoutEvent
      // Inside Drizzle's transaction: its connection, so through `execute`, not the pool.
      const outcome = pgTombstoneOutcome((await viaDrizzle(tx, queryOf(chunks, params)))[0])
      if (outcome === 'applied') {
        const rowParams = { ...params, retiredAt: retiredAt(input.deletedAt) }
        await viaDrizzle(tx, queryOf(tombstoneStatements.deleteRow, rowParams))
      }
      return { outcome }
    },
  }
}
