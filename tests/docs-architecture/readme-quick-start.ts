// The root README's quick start, as a module; readme-quick-start.test.ts serves its POST over HTTP.
// #region mount
// app/api/webhooks/route.ts (Next.js App Router; any fetch-style framework works the same way)
import { createClerkSync, MemoryStore } from '@clerk-sync/core'

// Reads CLERK_WEBHOOK_SIGNING_SECRET (Clerk Dashboard → Webhooks → your endpoint).
export const sync = createClerkSync({ store: new MemoryStore() })

export const POST = (request: Request) => sync.handleWebhook(request)

// Anywhere in the app: await sync.store.getUser('user_…') → { email, role, … } or null
// #endregion mount
