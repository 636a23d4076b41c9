import { createServer, type IncomingMessage, type Server } from 'node:http'
import { Readable } from 'node:stream'
import type { ClerkSync } from '@clerk-sync/core'

/** Node's request as a fetch `Request`, body still streaming, so clerk-sync reads the raw bytes. */
function toRequest(req: IncomingMessage): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, v)
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
    duplex: 'half',
  } as RequestInit & { duplex: 'half' })
}

/** A server with one route, POST /api/webhooks, answered by clerk-sync. */
export function createWebhookServer(sync: ClerkSync<string>): Server {
  return createServer(async (req, res) => {
    if (req.url !== '/api/webhooks') {
      res.writeHead(404).end()
      return
    }
    const response = await sync.handleWebhook(toRequest(req))
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(await response.text())
  })
}
