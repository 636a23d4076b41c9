// #region migrate
// src/migrate.ts: run once per deploy, before the app starts.
import { applyMigrations } from '@clerk-sync/drizzle'
import { db, pool } from './db.js'

await applyMigrations(db) // creates the clerk_sync_* tables; a second run does nothing
await pool.end()
// #endregion migrate
