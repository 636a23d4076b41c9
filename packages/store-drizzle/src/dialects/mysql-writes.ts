import { type Column, getTableColumns, is, SQL, sql } from 'drizzle-orm'
import type { ResolvedUsersTable } from '../users-table.js'

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
  }
}
