/**
 * A chaos server: the app a user builds from the READMEs. Express 5, the webhook route from
 * @clerk-sync/express mounted before any body parser, a database store. Configured by environment
 * (see store.ts); tells its parent the port it listens on over IPC.
 */
import { createClerkSync } from '@clerk-sync/core'
import { clerkSyncWebhook } from '@clerk-sync/express'
import express from 'express'
import { openStore, storeConfigFromEnv } from './store.js'

const { store } = await openStore(storeConfigFromEnv(process.env))
// The signing secret comes from CLERK_WEBHOOK_SIGNING_SECRET, as in production.
// CHAOS_GROUP_COMMIT=1: concurrent upserts share batches (core's withGroupCommit).
const sync = createClerkSync({
  store,
  groupCommit: process.env.CHAOS_GROUP_COMMIT === '1',
})

const app = express()
app.post('/api/webhooks', clerkSyncWebhook(sync))
app.use(express.json())
app.get('/healthz', (_req, res) => {
  res.json({ ok: true, pid: process.pid })
})

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.send?.({ type: 'ready', port, pid: process.pid })
  console.log(`chaos server ${process.pid} listening on http://127.0.0.1:${port}`)
})
server.on('error', (error) => {
  console.error(`chaos server: ${error.message}`)
  process.exit(1)
})
// The parent going away (a test runner killed mid-run) must not leave this server running.
process.on('disconnect', () => process.exit(0))
