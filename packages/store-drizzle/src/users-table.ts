import { ClerkSyncError, type DeletePolicy, ErrorCode, type SyncedUser } from '@clerk-sync/core'
import {
  PERSONAL_FIELDS,
  SYNCED_USER_FIELDS,
  type SyncedUserField,
  toDate,
} from '@clerk-sync/core/store-kit'
import { type Column, getTableColumns, getTableName, type Table } from 'drizzle-orm'
import { notNullConflict } from './store-errors.js'

const syncedFields = SYNCED_USER_FIELDS
export type SyncedField = SyncedUserField

/** Where each synced field goes in the app's users table. Only `id` is required. */
export type UsersColumns = { id: Column } & { [K in SyncedField]?: Column } & {
  /** `mapUser`'s extra keys, each to its column. */
  extra?: Record<string, Column>
  /**
   * A nullable timestamp column clerk-sync sets to the delete time on `user.deleted` under
   * `onDelete: 'soft'` (required there) or `'anonymize'`. Rows with it set are never read back.
   */
  deletedAt?: Column
}

export interface UsersTableOption {
  table: Table
  columns: UsersColumns
}

interface FieldColumn {
  field: SyncedField
  column: Column
  /** The table's property name for the column, as Drizzle's insert and update take it. */
  key: string
}

/** A users table with its mapping checked once, at start-up. */
export interface ResolvedUsersTable {
  table: Table
  name: string
  id: Column
  idKey: string
  fields: FieldColumn[]
  role: Column | undefined
  /** `mapUser` extras: to one JSON column (clerk-sync's own table) or to mapped columns. */
  extra:
    | { kind: 'json'; column: Column; key: string }
    | { kind: 'columns'; columns: Array<{ name: string; column: Column; key: string }> }
  /** Column values (by property name) for a user, converted to each column's mode. */
  toValues(user: SyncedUser<string>): Record<string, unknown>
  /** The user back from a selected row (selected with `selection`). */
  fromRow(row: Record<string, unknown>, role: unknown): SyncedUser<string>
  /** What to select, keyed by field. */
  selection: Record<string, Column>
  onDelete: DeletePolicy
  /** The mapped `deletedAt` column, if any. */
  deletedAt: { column: Column; key: string } | undefined
  /** Columns `anonymize` nulls: the personal fields and extras mapped. Empty for other policies. */
  nulledOnDelete: Array<{ column: Column; key: string }>
  /** What a delete under `soft`/`anonymize` sets on the kept row, by property name. */
  retireValues(deletedAt: Date): Record<string, unknown>
}

function fail(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `drizzleStore: ${message}`)
}

function toColumnValue(column: Column, value: unknown): unknown {
  if (!(value instanceof Date)) return value
  switch (column.dataType) {
    case 'number':
      return value.getTime()
    case 'string':
      return value.toISOString()
    default:
      return value
  }
}

/**
 * Checks the mapping against the table: every column belongs to it, `id` is its primary key or
 * unique, and no NOT NULL column without a default is left for clerk-sync to leave empty.
 */
export function resolveUsersTable(
  option: UsersTableOption,
  jsonExtra?: Column,
  onDelete: DeletePolicy = 'delete',
): ResolvedUsersTable {
  const { table, columns } = option
  const name = getTableName(table)
  const tableColumns = getTableColumns(table) as Record<string, Column>
  const keyOf = new Map<Column, string>(
    Object.entries(tableColumns).map(([key, column]) => [column, key]),
  )
  const keyFor = (column: Column | undefined, what: string): string => {
    const key = column && keyOf.get(column)
    if (!key) fail(`users.columns.${what} is not a column of table "${name}".`)
    return key
  }

  if (!columns?.id)
    fail(`users.columns.id is required: the column holding Clerk's user id in "${name}".`)
  const idKey = keyFor(columns.id, 'id')
  if (!columns.id.primary && !columns.id.isUnique) {
    fail(
      `"${name}".${columns.id.name} must be the primary key or unique: clerk-sync writes users by id.`,
    )
  }

  const fields: FieldColumn[] = []
  for (const field of syncedFields) {
    const column = columns[field]
    if (column) fields.push({ field, column, key: keyFor(column, field) })
  }
  const extraColumns = Object.entries(columns.extra ?? {}).map(([extraName, column]) => ({
    name: extraName,
    column,
    key: keyFor(column, `extra.${extraName}`),
  }))

  const deletedAt = columns.deletedAt
    ? { column: columns.deletedAt, key: keyFor(columns.deletedAt, 'deletedAt') }
    : undefined
  if (deletedAt?.column.notNull) {
    fail(
      `users.columns.deletedAt ("${name}".${deletedAt.column.name}) is NOT NULL; it must be nullable: it stays null while the user exists.`,
    )
  }
  if (onDelete === 'soft' && !deletedAt) {
    fail(
      jsonExtra
        ? `onDelete: 'soft' keeps the user's row and marks it in a deletedAt column, and "${name}" has none. Map your own users table with users.columns.deletedAt, or use 'delete' or 'anonymize'.`
        : `onDelete: 'soft' needs users.columns.deletedAt: the nullable timestamp column of "${name}" clerk-sync sets when Clerk deletes the user.`,
    )
  }
  const personal = [
    ...fields.filter((f) => (PERSONAL_FIELDS as readonly string[]).includes(f.field)),
    ...(jsonExtra ? [{ column: jsonExtra, key: keyFor(jsonExtra, 'extra') }] : extraColumns),
  ]
  if (onDelete === 'anonymize') {
    const required = personal.filter((p) => p.column.notNull).map((p) => `"${p.column.name}"`)
    if (required.length) {
      fail(
        `onDelete: 'anonymize' sets the user's personal columns to null, but ${required.join(', ')} of "${name}" ${required.length === 1 ? 'is' : 'are'} NOT NULL. Make ${required.length === 1 ? 'it' : 'them'} nullable, or use 'soft' or 'delete'.`,
      )
    }
  }
  const nulledOnDelete =
    onDelete === 'anonymize' ? personal.map(({ column, key }) => ({ column, key })) : []

  const mapped = new Set<Column>([
    columns.id,
    ...fields.map((f) => f.column),
    ...extraColumns.map((e) => e.column),
  ])
  if (jsonExtra) mapped.add(jsonExtra)
  if (deletedAt) mapped.add(deletedAt.column)
  for (const column of Object.values(tableColumns)) {
    if (column.notNull && !column.hasDefault && !mapped.has(column)) {
      fail(
        `column "${column.name}" of "${name}" is NOT NULL without a default, and clerk-sync does not write it. ` +
          'Make it nullable, give it a default, or map it in users.columns.',
      )
    }
  }

  const extra: ResolvedUsersTable['extra'] = jsonExtra
    ? { kind: 'json', column: jsonExtra, key: keyFor(jsonExtra, 'extra') }
    : { kind: 'columns', columns: extraColumns }

  const selection: Record<string, Column> = { id: columns.id }
  for (const { field, column } of fields) selection[field] = column
  if (extra.kind === 'json') selection.extra = extra.column
  else for (const e of extra.columns) selection[`extra.${e.name}`] = e.column

  return {
    table,
    name,
    id: columns.id,
    idKey,
    fields,
    role: columns.role,
    extra,
    selection,
    onDelete,
    deletedAt,
    nulledOnDelete,
    retireValues(at) {
      const values: Record<string, unknown> = {}
      for (const { key } of nulledOnDelete) values[key] = null
      if (deletedAt) values[deletedAt.key] = toColumnValue(deletedAt.column, at)
      return values
    },
    toValues(user) {
      // Checked here, as the write happens: an older event for the same user is stale before
      // it gets this far, so Svix's retries of it end instead of failing for days.
      const empty = fields
        .filter(
          ({ field, column }) =>
            column.notNull && (user[field] === null || user[field] === undefined),
        )
        .map(({ column }) => column.name)
      if (empty.length) throw notNullConflict(name, empty, user.id)
      const values: Record<string, unknown> = { [idKey]: user.id }
      for (const { field, column, key } of fields) values[key] = toColumnValue(column, user[field])
      if (extra.kind === 'json') {
        values[extra.key] = user.extra ?? null
      } else if (user.extra) {
        for (const extraName of Object.keys(user.extra)) {
          const target = extra.columns.find((e) => e.name === extraName)
          if (!target) {
            throw new ClerkSyncError(
              ErrorCode.CONFIG_INVALID,
              `drizzleStore: mapUser returned "${extraName}", but users.columns.extra maps no column for it.`,
            )
          }
          values[target.key] = toColumnValue(target.column, user.extra[extraName])
        }
      }
      return values
    },
    fromRow(row, role) {
      const user: Record<string, unknown> = { id: row.id }
      for (const field of syncedFields) user[field] = row[field] ?? null
      user.createdAt =
        row.createdAt === undefined || row.createdAt === null ? null : toDate(row.createdAt)
      user.updatedAt =
        row.updatedAt === undefined || row.updatedAt === null ? null : toDate(row.updatedAt)
      user.role = role ?? null
      if (extra.kind === 'json') {
        if (row.extra !== null && row.extra !== undefined) {
          user.extra = typeof row.extra === 'string' ? JSON.parse(row.extra) : row.extra
        }
      } else if (extra.columns.length) {
        user.extra = Object.fromEntries(
          extra.columns.map((e) => [e.name, row[`extra.${e.name}`] ?? null]),
        )
      }
      return user as unknown as SyncedUser<string>
    },
  }
}
