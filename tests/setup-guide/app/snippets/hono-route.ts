// #region hono-route
import { clerkMiddleware } from '@clerk/hono'
import { clerkSyncWebhook } from '@clerk-sync/hono'
import { Hono } from 'hono'
import { sync } from '../src/sync.js' // the createClerkSync of step 3

export const app = new Hono()

// The webhook route before clerkMiddleware() and any auth guard: Svix sends no session.
app.post('/api/webhooks', clerkSyncWebhook(sync))
app.use('*', clerkMiddleware())
// #endregion hono-route
