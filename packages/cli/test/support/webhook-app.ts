/** A real app receiving webhooks: node:http + clerk-sync's handleWebhook over a MemoryStore. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'

export interface WebhookApp {
  store: MemoryStore
  url: string
  close(): Promise<void>
}

export async function startWebhookApp(signingSecret: string): Promise<WebhookApp> {
  const store = new MemoryStore()
  const sync = createClerkSync({ signingSecret, store, logger: silentLogger })
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const response = await sync.handleWebhook(
      new Request('http://127.0.0.1/api/webhooks', {
        method: 'POST',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      }),
    )
    res
      .writeHead(response.status, { 'content-type': 'application/json' })
      .end(await response.text())
  })
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
