import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager } from '@clerk-sync/core'
import { drizzleStore } from '@clerk-sync/drizzle'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'

// One module, imported by every route: Next bundles routes separately, but they share this
// database file, so a webhook written by one route is read by the others.
const sqlite = new Database(process.env.DATABASE_PATH ?? 'clerk-sync.db')
sqlite.pragma('journal_mode = WAL')
sqlite.pragma('busy_timeout = 5000')

export const db = drizzle(sqlite)

// Reads CLERK_WEBHOOK_SIGNING_SECRET.
export const sync = createClerkSync({ store: drizzleStore(db) })

export const roleManager = createRoleManager({
  // CLERK_API_URL is set only when talking to the local emulator.
  clerk: createClerkClient({
    secretKey: process.env.CLERK_SECRET_KEY,
    apiUrl: process.env.CLERK_API_URL,
  }),
  sync,
})
