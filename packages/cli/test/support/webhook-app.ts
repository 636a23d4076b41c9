/** A real app receiving webhooks: node:http + clerk-sync's handleNodeWebhook over a MemoryStore. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'

export interface WebhookApp {
  store: MemoryStore
  url: string
  close(): Promise<void>
}

export async function startWebhookApp(signingSecret: string): Promise<WebhookApp> {
  const store = new MemoryStore()
  const sync = createClerkSync({ signingSecret, store, logger: silentLogger })
  // The one Node request path every Node adapter uses: IncomingMessage to a web Request once.
  const server: Server = createServer((req, res) => handleNodeWebhook(sync, req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
  return {
    store,
    url,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
