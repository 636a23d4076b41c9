import { type ClerkSync, createClerkSync, type DefaultRole, type Logger } from '@clerk-sync/core'
import { drizzleStore } from '@clerk-sync/drizzle'
import type { AppDatabase } from './db.js'
import { users } from './schema.js'

/** admin, trainer, client: clerk-sync's default roles. */
export type AppRole = DefaultRole
export type AppSync = ClerkSync<AppRole>

export interface SyncOptions {
  /** The endpoint's `whsec_…` secret (Clerk Dashboard → Webhooks, or the emulator's). */
  signingSecret: string
  logger?: Logger
}

/**
 * clerk-sync writing into the app's own `users` table: each synced field to the app's column.
 * `password_hash` is not mapped, so clerk-sync never reads or writes it. The default roles
 * (admin, trainer, client; new users get client) match the column's default.
 */
export function createSync(db: AppDatabase, options: SyncOptions): AppSync {
  const store = drizzleStore(db, {
    users: {
      table: users,
      columns: {
        id: users.id,
        email: users.email,
        firstName: users.firstName,
        lastName: users.lastName,
        role: users.role,
        createdAt: users.createdAt,
        updatedAt: users.updatedAt,
      },
    },
    // The default, spelled out: a user Clerk deletes is deleted here, and `posts` cascade.
    onDelete: 'delete',
    ...(options.logger ? { logger: options.logger } : {}),
  })
  return createClerkSync({
    store,
    signingSecret: options.signingSecret,
    ...(options.logger ? { logger: options.logger } : {}),
  })
}
