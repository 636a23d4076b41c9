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

export interface PgWrites {
  /**
   * The upsert's statement, or null when the user cannot be written as it is (a NOT NULL column it
   * leaves empty, an extra with no column): then the store runs the write flow, which answers
   * stale before it fails, so Svix's retries of an older event end.
   */
  prepareUpsert(input: UpsertUserInput<string>): SQL | null
  upsertUser(db: PgRunner, statement: SQL): Promise<UpsertUserResult<string>>
  /**
   * The group-commit statement for these inputs (one per user and event id), or null when one
   * cannot be written as it is or they write different columns: the caller writes each alone.
   */
  prepareBatch(inputs: UpsertUserInput<string>[]): SQL | null
  upsertBatch(db: PgRunner, statement: SQL, count: number): Promise<UpsertUserResult<string>[]>
  /** Runs inside the transaction the caller opened (two statements: tombstone, then the row). */
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
    users: { table, id: quote(users.id.name), role: null, columns: [quote(users.id.name)] },
  })

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

  function render(chunks: PgChunk[], params: Record<string, unknown>, userParams: SQL[]): SQL {
    return sql.join(
      chunks.map((chunk) => {
        if (typeof chunk === 'string') return sql.raw(chunk)
        if (chunk.param.startsWith('user.')) return userParams[Number(chunk.param.slice(5))]!
        return sql`${params[chunk.param]}`
      }),
    )
  }

  return {
    prepareUpsert(input) {
      let values: Record<string, unknown>
      try {
        values = users.toValues(input.user)
      } catch (error) {
        if (error instanceof ClerkSyncError) return null
        throw error
      }
      const { keys, statements } = statementsFor(values)
      // Each value through its column's own encoding (jsonb, timestamp modes), as inserts do.
      const userParams = keys.map(
        (key) => sql`${sql.param(values[key] ?? null, columnsByKey.get(key))}`,
      )
      const chunks = input.event ? statements.upsert.withEvent : statements.upsert.withoutEvent
      return render(chunks, pgUpsertParams(input), userParams)
    },
    async upsertUser(db, statement) {
      return pgUpsertResult(rowsOf(await db.execute(statement))[0])
    },
    prepareBatch(inputs) {
      const rows: Array<Record<string, unknown>> = []
      let signature: string | null = null
      for (const input of inputs) {
        let values: Record<string, unknown>
        try {
          values = users.toValues(input.user)
        } catch (error) {
          if (error instanceof ClerkSyncError) return null
          throw error
        }
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
      return render(
        statements.batch,
        { events: pgBatchUpsertEvents(inputs), users: JSON.stringify(rows) },
        [],
      )
    },
    async upsertBatch(db, statement, count) {
      return pgBatchUpsertResults(rowsOf(await db.execute(statement)), count)
    },
    async deleteUser(tx, input) {
      const params = pgTombstoneParams(input)
      const chunks = input.event
        ? tombstoneStatements.tombstone.withEvent
        : tombstoneStatements.tombstone.withoutEvent
      const outcome = pgTombstoneOutcome(rowsOf(await tx.execute(render(chunks, params, [])))[0])
      if (outcome === 'applied') await tx.execute(render(tombstoneStatements.deleteRow, params, []))
      return { outcome }
    },
  }
}
