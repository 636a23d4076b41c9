import { createServer, type Server } from 'node:http'
import type { ClerkSync } from '@clerk-sync/core'
import { answerNodeRequest } from '@clerk-sync/core/node'

/** Fetch-style handlers by path, e.g. the set-role endpoint beside the webhook. */
export type Routes = Record<string, (request: Request) => Promise<Response>>

/**
 * A server answering each path with its fetch-style handler; 404 elsewhere. `answerNodeRequest`
 * turns Node's request into a web `Request` (raw body, streamed with the cap, aborts handled,
 * the URL never built from the client's Host header) and never rejects, so no client can crash
 * the process.
 */
export function createFetchServer(routes: Routes): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    const handler = Object.hasOwn(routes, path) ? routes[path] : undefined
    if (!handler) {
      res.writeHead(404).end()
      return
    }
    void answerNodeRequest(
      req,
      res,
      { framework: undefined, parsedBody: 'refuse' },
      handler,
      (error) => console.error('Request failed:', error),
    )
  })
}

/** A server with one route, POST /api/webhooks, answered by clerk-sync. */
export function createWebhookServer(sync: ClerkSync<string>): Server {
  return createFetchServer({ '/api/webhooks': (request) => sync.handleWebhook(request) })
}
