// The adapters docs/architecture.md shows; tests/docs-architecture/example-adapter.test.ts mounts
// them on real HTTP servers.
// #region node-adapter
import type { ServerResponse } from 'node:http'
import type { ClerkSync } from '@clerk-sync/core'
import { handleNodeWebhook, type NodeRequest } from '@clerk-sync/core/node'

/**
 * For a framework whose handlers get Node's `req` and `res`:
 * `router.post('/api/webhooks', clerkSyncWebhook(sync))`. `handleNodeWebhook` reads the raw body
 * from the socket (with `maxBodyBytes`), answers as `sync.handleWebhook` would, and never rejects.
 * If a body parser already put an object on `req.body`, it answers 500 `BODY_ALREADY_PARSED`.
 */
export function clerkSyncWebhook(sync: ClerkSync<string>) {
  return (req: NodeRequest, res: ServerResponse): Promise<void> => handleNodeWebhook(sync, req, res)
}
// #endregion node-adapter

// #region fetch-adapter
/**
 * For a framework that hands over a web `Request` (Bun, Deno, workers, Next.js route handlers):
 * nothing to convert. The request must reach clerk-sync unread; a read one answers 500
 * `BODY_ALREADY_PARSED`.
 */
export function clerkSyncFetchWebhook(sync: ClerkSync<string>) {
  return (request: Request): Promise<Response> => sync.handleWebhook(request)
}
// #endregion fetch-adapter
