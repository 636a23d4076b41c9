import { createClerkSync, MemoryStore } from '@clerk-sync/core'
import { webhookHandler } from '@clerk-sync/next'

// Core runs on the Edge runtime (Web Crypto, fetch Request/Response). The database stores need
// Node, so this route keeps users in memory: it shows verification and mapping at the edge, not a
// way to persist from there.
export const runtime = 'edge'

const sync = createClerkSync({ store: new MemoryStore() })

export const POST = webhookHandler(sync)
