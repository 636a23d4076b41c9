import {
  bigint,
  customType,
  datetime,
  index,
  json,
  mysqlTable,
  varchar,
} from 'drizzle-orm/mysql-core'

const time = (name: string) => datetime(name, { mode: 'date', fsp: 3 })
/**
 * Ids compare byte for byte: MySQL's default collations are case-insensitive, and Clerk ids
 * differing only in case are different users. 191 characters keep a utf8mb4 key within old limits.
 */
const id = customType<{ data: string; driverData: string }>({
  dataType: () => 'varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
})
const text = (name: string) => varchar(name, { length: 255 })

/** Synced users (the `SyncedUser` columns). Skip it when you map your own users table. */
export const clerkSyncUsers = mysqlTable('clerk_sync_users', {
  id: id('id').primaryKey(),
  email: varchar('email', { length: 320 }),
  firstName: text('first_name'),
  lastName: text('last_name'),
  username: text('username'),
  phone: varchar('phone', { length: 32 }),
  imageUrl: varchar('image_url', { length: 2048 }),
  role: text('role').notNull(),
  createdAt: time('created_at').notNull(),
  updatedAt: time('updated_at').notNull(),
  /** `mapUser`'s extra columns, when you keep clerk-sync's own users table. */
  extra: json('extra').$type<Record<string, unknown>>(),
})

/** Processed webhook deliveries (`svix-id`), for idempotency; pruned after the retention. */
export const clerkSyncEvents = mysqlTable(
  'clerk_sync_events',
  {
    id: id('id').primaryKey(),
    type: text('type').notNull(),
    receivedAt: time('received_at').notNull(),
  },
  (table) => [index('clerk_sync_events_received_at_idx').on(table.receivedAt)],
)

/**
 * Per-user sync state, never deleted: the version guard (Clerk's `updated_at` in ms), the
 * tombstone, and the role last synced (the audit log's "from").
 */
export const clerkSyncUserState = mysqlTable(
  'clerk_sync_user_state',
  {
    userId: id('user_id').primaryKey(),
    version: bigint('version', { mode: 'number' }).notNull(),
    deletedAt: time('deleted_at'),
    role: text('role'),
  },
  (table) => [index('clerk_sync_user_state_role_idx').on(table.role, table.userId)],
)

/** One row per role change: who, whose, from, to, when, through which path. */
export const clerkSyncRoleAudit = mysqlTable(
  'clerk_sync_role_audit',
  {
    // Not `serial`: drizzle-kit writes it as `serial AUTO_INCREMENT`, which MariaDB refuses.
    id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
    actor: id('actor'),
    targetUserId: id('target_user_id').notNull(),
    fromRole: text('from_role'),
    toRole: text('to_role').notNull(),
    at: time('at').notNull(),
    source: varchar('source', { length: 32 }).notNull(),
    eventId: id('event_id'),
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
