import { clerkMiddleware } from '@clerk/hono'
import { clerkSyncWebhook } from '@clerk-sync/hono'
import { Hono } from 'hono'
import { sync } from '../src/sync.js'

export const app = new Hono()

// #region hono-route
// Hono hands the route the request untouched. Register it before clerkMiddleware() and any
// auth guard: Svix sends no session.
app.post('/api/webhooks', clerkSyncWebhook(sync))
app.use('*', clerkMiddleware())
// #endregion hono-route
