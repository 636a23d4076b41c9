import { createClerkSync, MemoryStore } from '@clerk-sync/core'
import { createWebhookServer } from './server.js'

// CLERK_WEBHOOK_SIGNING_SECRET comes from the environment (Clerk Dashboard → Webhooks → endpoint).
const sync = createClerkSync({ store: new MemoryStore() })
const port = Number(process.env.PORT ?? 3000)
createWebhookServer(sync).listen(port, () => {
  console.log(`clerk-sync example listening on http://localhost:${port}/api/webhooks`)
})
