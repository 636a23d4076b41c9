// Creates the clerk_sync_* tables in the SQLite file the app uses. Run once per deploy.
import { applyMigrations } from '@clerk-sync/drizzle'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'

const sqlite = new Database(process.env.DATABASE_PATH ?? 'clerk-sync.db')
const result = await applyMigrations(drizzle(sqlite))
console.log(`clerk-sync tables ready (${JSON.stringify(result)})`)
sqlite.close()
