import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { ClerkSync } from '@clerk-sync/core'
import { answerNodeRequest, handleNodeWebhook } from '@clerk-sync/core/node'

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0]!

/**
 * A server with one route, POST /api/webhooks, answered by clerk-sync. `handleNodeWebhook` is the
 * Node request path `@clerk-sync/express` and `@clerk-sync/next`'s Pages Router mount too: it reads
 * the raw body from the socket with the size cap (never a parsed object, whose bytes would not be
 * the ones Clerk signed), answers as `sync.handleWebhook` would, and never rejects, so no client
 * can crash the process.
 */
export function createWebhookServer(sync: ClerkSync<string>): Server {
  return createServer((req, res) => {
    if (pathOf(req) !== '/api/webhooks') {
      res.writeHead(404).end()
      return
    }
    void handleNodeWebhook(sync, req, res)
  })
}

/** Fetch-style handlers by path, e.g. core's set-role handler beside `sync.handleWebhook`. */
export type Routes = Record<string, (request: Request) => Promise<Response>>

/**
 * A server answering each path with its fetch-style handler; 404 elsewhere. `answerNodeRequest`
 * turns Node's request into a web `Request` once (raw body, streamed with the cap, aborts handled,
 * the URL never built from the client's Host header) and, like `handleNodeWebhook`, never rejects.
 */
export function createFetchServer(routes: Routes): Server {
  return createServer((req, res) => {
    const path = pathOf(req)
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
