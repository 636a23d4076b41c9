import { type Column, getTableColumns, is, Param, SQL, StringChunk, sql } from 'drizzle-orm'
import type { ResolvedUsersTable } from '../users-table.js'

/** MySQL's limit on one statement's bound parameters (a prepared statement's count is 16 bits). */
const MAX_PARAMS = 65_535

/** The alias of the derived table of new values: one no app table is likely to be named. */
const ROWS = sql.identifier('clerk_sync_rows')
const cell = (i: number) => sql.identifier(`c${i}`)
const comma = new StringChunk(', ')
const unionAll = new StringChunk(' union all select ')

/**
 * A value as a statement carries it: converted for its column (`mapToDriverValue`, as Drizzle's
 * Param does) and left a bare primitive, which Drizzle makes a parameter without the type checks
 * a Param costs it (tens of thousands per bulk statement). Objects stay Params: Drizzle would
 * spread a bare array into a list.
 */
function driverValue(value: unknown, column: Column): unknown {
  if (value === null || value === undefined) return null
  const mapped = column.mapToDriverValue(value)
  return mapped !== null && typeof mapped === 'object' && !is(mapped, SQL)
    ? new Param(mapped)
    : mapped
}

function onUpdateValue(column: Column): SQL {
  const value = column.onUpdateFn!()
  return is(value, SQL) ? value : sql`${sql.param(value, column)}`
}

/** Updates of rows of the app's users table by id, written by hand where Drizzle has no builder. */
export function mysqlUserUpdates(users: ResolvedUsersTable) {
  const columns = Object.entries(getTableColumns(users.table) as Record<string, Column>).filter(
    ([key]) => key !== users.idKey,
  )

  /**
   * What updating a row to these values sets, as Drizzle's `update().set()` would: each column
   * `toValues` gives a value (undefined ones skipped), then any other column with `$onUpdate`.
   */
  function updatedColumns(values: Record<string, unknown>) {
    const set: Array<{ key: string; column: Column }> = []
    const onUpdate: Column[] = []
    for (const [key, column] of columns) {
      if (values[key] !== undefined) set.push({ key, column })
      else if (column.onUpdateFn) onUpdate.push(column)
    }
    return { set, onUpdate }
  }

  return {
    /** `col = ?, …` for one row, each column named with its table (fit for a multi-table UPDATE). */
    assignments(values: Record<string, unknown>): SQL[] {
      const { set, onUpdate } = updatedColumns(values)
      return [
        ...set.map(({ key, column }) => sql`${column} = ${sql.param(values[key], column)}`),
        ...onUpdate.map((column) => sql`${column} = ${onUpdateValue(column)}`),
      ]
    },

    /**
     * Existing rows updated by id in as few statements as the parameter limit allows:
     * `UPDATE users JOIN (SELECT ? AS c0, ? AS c1 … UNION ALL SELECT ?, ? …) rows ON users.id =
     * rows.c0 SET users.col = rows.c1, …`. The derived table's column types come from all of its
     * SELECTs, so NULLs in the first row, datetime(3) strings and JSON text are written as one
     * UPDATE per row writes them. Rows that set different columns (a mapped extra that one user
     * lacks) go in separate statements.
     */
    statements(rows: Array<Record<string, unknown>>): SQL[] {
      const shapes = new Map<string, Array<Record<string, unknown>>>()
      for (const values of rows) {
        const shape = updatedColumns(values)
          .set.map((c) => c.key)
          .join('\u0000')
        const group = shapes.get(shape)
        if (group) group.push(values)
        else shapes.set(shape, [values])
      }
      const statements: SQL[] = []
      for (const group of shapes.values()) {
        const { set, onUpdate } = updatedColumns(group[0]!)
        if (set.length === 0 && onUpdate.length === 0) continue
        const cells = [{ key: users.idKey, column: users.id }, ...set]
        const assignments = [
          ...set.map(({ column }, i) => sql`${column} = ${ROWS}.${cell(i + 1)}`),
          ...onUpdate.map((column) => sql`${column} = ${onUpdateValue(column)}`),
        ]
        const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMS / cells.length))
        for (let start = 0; start < group.length; start += rowsPerStatement) {
          const [first, ...rest] = group.slice(start, start + rowsPerStatement)
          // The first SELECT names the columns; the others are bare values, in one flat list.
          const chunks: unknown[] = [
            sql`update ${users.table} join (select `,
            sql.join(
              cells.map(
                ({ key, column }, i) => sql`${driverValue(first![key], column)} as ${cell(i)}`,
              ),
              comma,
            ),
          ]
          for (const values of rest) {
            chunks.push(unionAll)
            cells.forEach(({ key, column }, i) => {
              if (i > 0) chunks.push(comma)
              chunks.push(driverValue(values[key], column))
            })
          }
          chunks.push(
            sql`) as ${ROWS} on ${users.id} = ${ROWS}.${cell(0)} set ${sql.join(assignments, comma)}`,
          )
          statements.push(new SQL(chunks as SQL['queryChunks']))
        }
      }
      return statements
    },
  }
}
