/**
 * The app's own tables, as they were before Clerk arrived: a `users` table with columns the app
 * keeps for itself (a password hash from its old sign-in, timestamps) and `posts` that belong to a
 * user. clerk-sync writes the columns it is told about in `sync.ts` and leaves the rest alone.
 */
import { pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core'

const timestampColumn = (name: string) =>
  timestamp(name, { withTimezone: true, precision: 3, mode: 'date' })

export const users = pgTable('users', {
  /** Clerk's user id (`user_…`): the key clerk-sync upserts and deletes by. */
  id: text('id').primaryKey(),
  /** Nullable since Clerk also signs users up by phone or username, without an email. */
  email: text('email').unique(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  role: text('role').notNull().default('client'),
  /** The app's old password sign-in; Clerk users have none. Never touched by clerk-sync. */
  passwordHash: text('password_hash'),
  createdAt: timestampColumn('created_at').notNull().defaultNow(),
  updatedAt: timestampColumn('updated_at').notNull().defaultNow(),
})

export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  /** `ON DELETE CASCADE` (see migrations.ts): a user Clerk deletes takes their posts along. */
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
  createdAt: timestampColumn('created_at').notNull().defaultNow(),
})

export type UserRow = typeof users.$inferSelect
export type PostRow = typeof posts.$inferSelect
