// #region next-route
// app/api/webhooks/route.ts
import { webhookHandler } from '@clerk-sync/next'
import { sync } from '@/src/sync' // the createClerkSync of step 3 (tsconfig paths: "@/*": ["./*"])

export const POST = webhookHandler(sync)
// #endregion next-route
