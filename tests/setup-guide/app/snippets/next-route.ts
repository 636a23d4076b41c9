import { webhookHandler } from '@clerk-sync/next'
import { sync } from '../src/sync.js'

// #region next-route
// app/api/webhooks/route.ts: a route handler gets the request body untouched.
export const POST = webhookHandler(sync)
// #endregion next-route
