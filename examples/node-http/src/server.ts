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

/** Fetch-style handlers by path, e.g. the set-role endpoint beside the webhook. */
export type Routes = Record<string, (request: Request) => Promise<Response>>

/** A server answering each path with its fetch-style handler; 404 elsewhere. */
export function createFetchServer(routes: Routes): Server {
  return createServer(async (req, res) => {
    const handler = routes[(req.url ?? '/').split('?')[0]!]
    if (!handler) {
      res.writeHead(404).end()
      return
    }
    const response = await handler(toRequest(req))
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(await response.text())
  })
}

/** A server with one route, POST /api/webhooks, answered by clerk-sync. */
export function createWebhookServer(sync: ClerkSync<string>): Server {
  return createFetchServer({ '/api/webhooks': (request) => sync.handleWebhook(request) })
}
