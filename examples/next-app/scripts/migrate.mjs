// Creates the clerk_sync_* tables in the SQLite file the app uses. Run once per deploy.
import { existsSync } from 'node:fs'
import { applyMigrations } from '@clerk-sync/drizzle'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'

// The same DATABASE_PATH the app gets: Next reads .env itself, this script does so here.
if (existsSync('.env')) process.loadEnvFile('.env')

const sqlite = new Database(process.env.DATABASE_PATH ?? 'clerk-sync.db')
const result = await applyMigrations(drizzle(sqlite))
console.log(`clerk-sync tables ready (${JSON.stringify(result)})`)
sqlite.close()
