import type { AuditEntry, WriteSource } from '@clerk-sync/core'
import { sql } from 'drizzle-orm'
import type { ResolvedUsersTable } from '../users-table.js'

/** `SET col = excluded.col` for every mapped column but the id (Postgres and SQLite upserts). */
export function excludedSet(users: ResolvedUsersTable): Record<string, unknown> {
  const set: Record<string, unknown> = {}
  const columns = [
    ...users.fields,
    ...(users.extra.kind === 'json' ? [users.extra] : users.extra.columns),
  ]
  for (const { column, key } of columns) set[key] = sql`excluded.${sql.identifier(column.name)}`
  return set
}

export function auditEntryFromRow(row: {
  id: number
  actor: string | null
  targetUserId: string
  fromRole: string | null
  toRole: string
  at: Date
  source: string
  eventId: string | null
}): AuditEntry<string> {
  return {
    id: String(row.id),
    actor: row.actor,
    targetUserId: row.targetUserId,
    fromRole: row.fromRole,
    toRole: row.toRole,
    at: row.at,
    source: row.source as WriteSource,
    eventId: row.eventId,
  }
}
