import { clerkPlugin } from '@clerk/fastify'
import { clerkSyncWebhook } from '@clerk-sync/fastify'
import Fastify from 'fastify'
import { sync } from '../src/sync.js'

export const app = Fastify()

// #region fastify-route
// A plugin: inside it no JSON parser runs, so the route reads the raw body. Register it before
// clerkPlugin and any auth hook.
await app.register(clerkSyncWebhook(sync)) // POST /api/webhooks; { path } moves it
await app.register(clerkPlugin)
// #endregion fastify-route
