import { existsSync } from 'node:fs'
import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { serve } from '@hono/node-server'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { createApp } from './app.js'

// Reads .env when there is one (Node 20.12+), so `pnpm start` works after `cp .env.example .env`;
// variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env')

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`Set ${name} (see .env.example)`)
  return value
}

const sqlite = new Database(process.env.DATABASE_PATH ?? './clerk-sync.db')
sqlite.pragma('journal_mode = WAL')
const db = drizzle(sqlite)
await applyMigrations(db)

// Reads CLERK_WEBHOOK_SIGNING_SECRET.
const sync = createClerkSync({ store: drizzleStore(db) })
// CLERK_API_URL is set only for the local emulator; @clerk/backend does not read it itself.
const apiUrl = process.env.CLERK_API_URL || undefined
const secretKey = requiredEnv('CLERK_SECRET_KEY')
// APP_URL, the app's public origin(s), comma-separated: a session token must then name one as its
// `azp` (a browser's does), so a token minted for another site's page is refused. Unset: any.
const authorizedParties = process.env.APP_URL
  ? process.env.APP_URL.split(',').map((url) => new URL(url.trim()).origin)
  : undefined
const roleManager = createRoleManager({ clerk: createClerkClient({ secretKey, apiUrl }), sync })
const app = createApp({
  sync,
  roleManager,
  clerk: { secretKey, publishableKey: requiredEnv('CLERK_PUBLISHABLE_KEY'), apiUrl },
  authorizedParties,
})

const host = process.env.HOST || undefined // all interfaces by default
const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: host },
  ({ port }) =>
    console.log(`clerk-sync Hono example listening on http://${host ?? 'localhost'}:${port}`),
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      sqlite.close()
      process.exit(0)
    })
  })
}
