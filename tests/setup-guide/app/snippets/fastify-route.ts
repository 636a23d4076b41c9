// #region fastify-route
import { clerkPlugin } from '@clerk/fastify'
import { clerkSyncWebhook } from '@clerk-sync/fastify'
import Fastify from 'fastify'
import { sync } from '../src/sync.js' // the createClerkSync of step 3

export const app = Fastify()

// A plugin: no JSON parser runs inside it, so the route reads the raw body. Register it before
// clerkPlugin and any auth hook.
await app.register(clerkSyncWebhook(sync)) // POST /api/webhooks; { path } moves it
await app.register(clerkPlugin)
// #endregion fastify-route
