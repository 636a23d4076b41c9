import { webhookHandler } from '@clerk-sync/next'
import { sync } from '@/lib/sync'

// The commonest mistake, kept on purpose for the tests: this webhook route is not in proxy.ts's
// public list, so clerkMiddleware answers Svix in its place. `clerk-sync check` reports it.
export const POST = webhookHandler(sync)
