/**
 * A queue-mode web process: a plain Node HTTP server whose POST /api/webhooks verifies each
 * delivery and enqueues it (no store write). Prints `listening on <url>` once it accepts
 * deliveries; on SIGTERM stops taking connections, finishes those in hand, closes its pools.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import { openQueueApp } from './queue-app.js'

const app = await openQueueApp(process.env)

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/webhooks') {
    void handleNodeWebhook(app.sync, req, res)
    return
  }
  res.writeHead(404).end()
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`queue web ${process.pid} listening on http://127.0.0.1:${port}`)
})

process.once('SIGTERM', () => {
  server.close(async () => {
    await app.close()
    process.exit(0)
  })
  server.closeIdleConnections()
})
