import { existsSync } from 'node:fs'
import { createClerkSync, MemoryStore } from '@clerk-sync/core'
import { createWebhookServer } from './server.js'

// Reads .env when there is one (Node 20.12+), so `pnpm start` works after `cp .env.example .env`;
// variables already set win.
if (existsSync('.env')) process.loadEnvFile('.env')

// Reads CLERK_WEBHOOK_SIGNING_SECRET (Clerk Dashboard → Webhooks → endpoint, or the emulator).
const sync = createClerkSync({ store: new MemoryStore() })
const port = Number(process.env.PORT ?? 3000)
createWebhookServer(sync).listen(port, () => {
  console.log(`clerk-sync example listening on http://localhost:${port}/api/webhooks`)
})
