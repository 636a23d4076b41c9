import { applyMigrations } from '@clerk-sync/drizzle'
import { sql } from 'drizzle-orm'
import type { AppDatabase } from './db.js'

/**
 * The app's own migration, standing in for the drizzle-kit migrations an existing app already
 * has (its `users` and `posts` tables were there long before clerk-sync). Idempotent.
 */
const appTables = [
  sql`CREATE TABLE IF NOT EXISTS users (
    id text PRIMARY KEY,
    email text UNIQUE,
    first_name text,
    last_name text,
    role text NOT NULL DEFAULT 'client',
    password_hash text,
    created_at timestamp(3) with time zone NOT NULL DEFAULT now(),
    updated_at timestamp(3) with time zone NOT NULL DEFAULT now()
  )`,
  sql`CREATE TABLE IF NOT EXISTS posts (
    id serial PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title text NOT NULL,
    created_at timestamp(3) with time zone NOT NULL DEFAULT now()
  )`,
  sql`CREATE INDEX IF NOT EXISTS posts_user_id ON posts (user_id)`,
]

/**
 * The app's tables, then clerk-sync's own (`clerk_sync_*`: processed event ids, per-user
 * versions and tombstones, the role audit), which `applyMigrations` records in a table of its own
 * so it never clashes with the app's migration history. Safe to run on every start.
 */
export async function migrate(db: AppDatabase): Promise<void> {
  for (const statement of appTables) await db.execute(statement)
  await applyMigrations(db)
}
