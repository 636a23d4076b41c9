import { bigint, bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

const time = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' })

/** Synced users (the `SyncedUser` columns). Skip it when you map your own users table. */
export const clerkSyncUsers = pgTable('clerk_sync_users', {
  id: text('id').primaryKey(),
  email: text('email'),
  firstName: text('first_name'),
  lastName: text('last_name'),
  username: text('username'),
  phone: text('phone'),
  imageUrl: text('image_url'),
  role: text('role').notNull(),
  createdAt: time('created_at').notNull(),
  updatedAt: time('updated_at').notNull(),
  /** `mapUser`'s extra columns, when you keep clerk-sync's own users table. */
  extra: jsonb('extra').$type<Record<string, unknown>>(),
})

/** Processed webhook deliveries (`svix-id`), for idempotency; pruned after the retention. */
export const clerkSyncEvents = pgTable(
  'clerk_sync_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    receivedAt: time('received_at').notNull(),
  },
  (table) => [index('clerk_sync_events_received_at_idx').on(table.receivedAt)],
)

/**
 * Per-user sync state, never deleted: the version guard (Clerk's `updated_at` in ms), the
 * tombstone, and the role last synced (the audit log's "from").
 */
export const clerkSyncUserState = pgTable(
  'clerk_sync_user_state',
  {
    userId: text('user_id').primaryKey(),
    version: bigint('version', { mode: 'number' }).notNull(),
    deletedAt: time('deleted_at'),
    role: text('role'),
    /**
     * The role before the latest write, set by that write's own statement: Postgres returns only
     * new values from an upsert, and this is how the locked row's old role comes back out.
     */
    prevRole: text('prev_role'),
  },
  (table) => [index('clerk_sync_user_state_role_idx').on(table.role, table.userId)],
)

/** One row per role change: who, whose, from, to, when, through which path. */
export const clerkSyncRoleAudit = pgTable(
  'clerk_sync_role_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    actor: text('actor'),
    targetUserId: text('target_user_id').notNull(),
    fromRole: text('from_role'),
    toRole: text('to_role').notNull(),
    at: time('at').notNull(),
    source: text('source').notNull(),
    eventId: text('event_id'),
  },
  (table) => [index('clerk_sync_role_audit_target_idx').on(table.targetUserId, table.id)],
)

/** Spread into your drizzle schema to let drizzle-kit migrate clerk-sync's tables with yours. */
export const clerkSyncSchema = {
  clerkSyncUsers,
  clerkSyncEvents,
  clerkSyncUserState,
  clerkSyncRoleAudit,
}
