import { clerkSyncEvents } from '@clerk-sync/drizzle/pg'
import { asc, count, eq } from 'drizzle-orm'
import type { AppDatabase } from '../../src/db.js'
import { posts, users } from '../../src/schema.js'

/** One row of the app's `users` table as the demo prints it, with the user's posts counted. */
export interface UsersTableRow {
  id: string
  email: string | null
  firstName: string | null
  lastName: string | null
  role: string
  passwordHash: string | null
  posts: number
}

/** The app's users table, oldest first, read straight from the database. */
export async function readUsersTable(db: AppDatabase): Promise<UsersTableRow[]> {
  return db
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      role: users.role,
      passwordHash: users.passwordHash,
      posts: count(posts.id),
    })
    .from(users)
    .leftJoin(posts, eq(posts.userId, users.id))
    .groupBy(users.id)
    .orderBy(asc(users.createdAt), asc(users.id))
}

export async function countPosts(db: AppDatabase, userId?: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(posts)
    .where(userId === undefined ? undefined : eq(posts.userId, userId))
  return row?.n ?? 0
}

/** How many webhook deliveries clerk-sync has recorded as processed (its idempotency keys). */
export async function countProcessedEvents(db: AppDatabase): Promise<number> {
  const [row] = await db.select({ n: count() }).from(clerkSyncEvents)
  return row?.n ?? 0
}
