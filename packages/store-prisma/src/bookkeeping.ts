import type { AuditEntry, EventRef, WriteSource } from '@clerk-sync/core'
import {
  NEW_SYNC_STATE_VERSION,
  type RoleChange,
  toDate,
  type UserSyncState,
} from '@clerk-sync/core/store-kit'
import type { Provider, RawCapable } from './prisma-like.js'
import { isDuplicateKey } from './store-errors.js'

/**
 * Parameterised SQL on clerk-sync's own tables only (the app's model is touched through its
 * delegate). Prisma's query API cannot express "insert unless present" and "lock this row" the
 * way the store needs them, so these few statements are raw, one set per provider.
 */
/** One row of `clerk_sync_user_state`. */
export type StateRow = UserSyncState

/** One row of `clerk_sync_role_audit`. */
export type AuditRow = RoleChange

/** A nullable timestamp column's value. */
function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value)
}

function placeholders(provider: Provider, count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) =>
    provider === 'postgresql' ? `$${offset + i + 1}` : '?',
  )
}

export function bookkeeping(provider: Provider, schema?: string) {
  // Qualified when the app keeps clerk-sync's tables outside the search_path (PrismaPg's `schema`).
  const table = (name: string) => (schema ? `"${schema.replace(/"/g, '""')}".${name}` : name)
  const events = table('clerk_sync_events')
  const state = table('clerk_sync_user_state')
  const audit = table('clerk_sync_role_audit')
  const lock = provider === 'sqlite' ? '' : ' FOR UPDATE'
  const rows = (n: number, width: number) =>
    Array.from(
      { length: n },
      (_, r) => `(${placeholders(provider, width, r * width).join(', ')})`,
    ).join(', ')

  return {
    /** false: already recorded (a duplicate waits here for the first delivery's transaction). */
    async claimEvent(tx: RawCapable, event: EventRef): Promise<boolean> {
      const values = rows(1, 3)
      if (provider === 'mysql') {
        try {
          await tx.$executeRawUnsafe(
            `INSERT INTO ${events} (id, type, received_at) VALUES ${values}`,
            event.id,
            event.type,
            event.receivedAt,
          )
          return true
        } catch (error) {
          if (isDuplicateKey(error)) return false
          throw error
        }
      }
      const inserted = await tx.$executeRawUnsafe(
        `INSERT INTO ${events} (id, type, received_at) VALUES ${values} ON CONFLICT (id) DO NOTHING`,
        event.id,
        event.type,
        event.receivedAt,
      )
      return inserted === 1
    },

    async ensureStates(tx: RawCapable, ids: string[]): Promise<void> {
      const values = Array.from(
        { length: ids.length },
        (_, i) => `(${placeholders(provider, 1, i)[0]}, ${NEW_SYNC_STATE_VERSION}, NULL, NULL)`,
      ).join(', ')
      const conflict =
        provider === 'mysql'
          ? 'ON DUPLICATE KEY UPDATE user_id = user_id'
          : 'ON CONFLICT (user_id) DO NOTHING'
      await tx.$executeRawUnsafe(
        `INSERT INTO ${state} (user_id, version, deleted_at, role) VALUES ${values} ${conflict}`,
        ...ids,
      )
    },

    async lockStates(tx: RawCapable, ids: string[]): Promise<StateRow[]> {
      const list = placeholders(provider, ids.length).join(', ')
      const result = await tx.$queryRawUnsafe<Array<Record<string, unknown>>>(
        `SELECT user_id, version, deleted_at, role FROM ${state} WHERE user_id IN (${list}) ORDER BY user_id${lock}`,
        ...ids,
      )
      return result.map((r) => ({
        userId: String(r.user_id),
        version: Number(r.version),
        deletedAt: toDateOrNull(r.deleted_at),
        role: r.role === null || r.role === undefined ? null : String(r.role),
      }))
    },

    async saveStates(tx: RawCapable, states: StateRow[]): Promise<void> {
      const conflict =
        provider === 'mysql'
          ? 'ON DUPLICATE KEY UPDATE version = VALUES(version), deleted_at = VALUES(deleted_at), role = VALUES(role)'
          : 'ON CONFLICT (user_id) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at, role = excluded.role'
      await tx.$executeRawUnsafe(
        `INSERT INTO ${state} (user_id, version, deleted_at, role) VALUES ${rows(states.length, 4)} ${conflict}`,
        ...states.flatMap((s) => [s.userId, s.version, s.deletedAt, s.role]),
      )
    },

    async insertAudit(tx: RawCapable, entries: AuditRow[]): Promise<void> {
      await tx.$executeRawUnsafe(
        `INSERT INTO ${audit} (actor, target_user_id, from_role, to_role, ${provider === 'mysql' ? '`at`' : '"at"'}, source, event_id) VALUES ${rows(entries.length, 7)}`,
        ...entries.flatMap((e) => [
          e.actor,
          e.targetUserId,
          e.fromRole,
          e.toRole,
          e.at,
          e.source,
          e.eventId,
        ]),
      )
    },

    async listAudit(
      client: RawCapable,
      options: { userId?: string; limit: number; after: number | null },
    ): Promise<AuditEntry<string>[]> {
      const where: string[] = []
      const values: unknown[] = []
      if (options.userId !== undefined) {
        values.push(options.userId)
        where.push(`target_user_id = ${placeholders(provider, 1, values.length - 1)[0]}`)
      }
      if (options.after !== null) {
        values.push(options.after)
        where.push(`id > ${placeholders(provider, 1, values.length - 1)[0]}`)
      }
      values.push(options.limit)
      const limit = placeholders(provider, 1, values.length - 1)[0]
      const at = provider === 'mysql' ? '`at`' : '"at"'
      const result = await client.$queryRawUnsafe<Array<Record<string, unknown>>>(
        `SELECT id, actor, target_user_id, from_role, to_role, ${at} AS at, source, event_id FROM ${audit} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ${limit}`,
        ...values,
      )
      return result.map((r) => ({
        id: String(r.id),
        actor: (r.actor as string | null) ?? null,
        targetUserId: String(r.target_user_id),
        fromRole: (r.from_role as string | null) ?? null,
        toRole: String(r.to_role),
        at: toDate(r.at),
        source: String(r.source) as WriteSource,
        eventId: (r.event_id as string | null) ?? null,
      }))
    },

    /** Live users' ids with a role, from the state table (for models without a role field). */
    async idsByRole(
      client: RawCapable,
      role: string | undefined,
      after: string | null,
      limit: number,
    ): Promise<string[]> {
      const where = ['deleted_at IS NULL']
      const values: unknown[] = []
      if (role !== undefined) {
        values.push(role)
        where.push(`role = ${placeholders(provider, 1, values.length - 1)[0]}`)
      }
      if (after !== null) {
        values.push(after)
        where.push(`user_id > ${placeholders(provider, 1, values.length - 1)[0]}`)
      }
      values.push(limit)
      const result = await client.$queryRawUnsafe<Array<{ user_id: string }>>(
        `SELECT user_id FROM ${state} WHERE ${where.join(' AND ')} ORDER BY user_id LIMIT ${placeholders(provider, 1, values.length - 1)[0]}`,
        ...values,
      )
      return result.map((r) => String(r.user_id))
    },

    async rolesOf(client: RawCapable, ids: string[]): Promise<Map<string, string | null>> {
      if (ids.length === 0) return new Map()
      const result = await client.$queryRawUnsafe<Array<Record<string, unknown>>>(
        `SELECT user_id, role FROM ${state} WHERE user_id IN (${placeholders(provider, ids.length).join(', ')})`,
        ...ids,
      )
      return new Map(result.map((r) => [String(r.user_id), (r.role as string | null) ?? null]))
    },

    /** The ids among these whose tombstone is recorded (rows kept under onDelete 'anonymize'). */
    async tombstonedAmong(client: RawCapable, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const result = await client.$queryRawUnsafe<Array<{ user_id: string }>>(
        `SELECT user_id FROM ${state} WHERE deleted_at IS NOT NULL AND user_id IN (${placeholders(provider, ids.length).join(', ')})`,
        ...ids,
      )
      return new Set(result.map((r) => String(r.user_id)))
    },

    /** Synced users per role, from the state table (for models without a role field). */
    async countRoles(client: RawCapable): Promise<Record<string, number>> {
      const result = await client.$queryRawUnsafe<Array<{ role: string | null; n: unknown }>>(
        `SELECT role, COUNT(*) AS n FROM ${state} WHERE deleted_at IS NULL AND version >= 0 GROUP BY role`,
      )
      return Object.fromEntries(
        result.filter((r) => r.role !== null).map((r) => [String(r.role), Number(r.n)]),
      )
    },

    async hasEvent(client: RawCapable, eventId: string): Promise<boolean> {
      const result = await client.$queryRawUnsafe<unknown[]>(
        `SELECT id FROM ${events} WHERE id = ${placeholders(provider, 1)[0]}`,
        eventId,
      )
      return result.length > 0
    },

    /**
     * Reads no rows from each of clerk-sync's tables, naming the columns the store writes: a
     * missing table fails here, and so does a column a later migration adds (a database behind).
     */
    async checkTables(client: RawCapable): Promise<void> {
      const stateColumns = `user_id, version, deleted_at, role${provider === 'postgresql' ? ', prev_role' : ''}`
      for (const [name, columns] of [
        [events, 'id, type, received_at'],
        [state, stateColumns],
        [
          audit,
          `id, actor, target_user_id, from_role, to_role, ${provider === 'mysql' ? '`at`' : '"at"'}, source, event_id`,
        ],
      ]) {
        await client.$queryRawUnsafe(`SELECT ${columns} FROM ${name} WHERE 1 = 0`)
      }
    },

    async pruneEvents(client: RawCapable, olderThan: Date): Promise<number> {
      return client.$executeRawUnsafe(
        `DELETE FROM ${events} WHERE received_at < ${placeholders(provider, 1)[0]}`,
        olderThan,
      )
    },
  }
}

export type Bookkeeping = ReturnType<typeof bookkeeping>
