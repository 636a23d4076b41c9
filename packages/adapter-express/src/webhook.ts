import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ClerkSync, webhookResponseBody } from '@clerk-sync/core'
import { readNodeBody } from '@clerk-sync/core/node'

type Request = IncomingMessage & { body?: unknown }
type Response = ServerResponse

/**
 * Express middleware answering Clerk's webhooks: `app.post('/api/webhooks', clerkSyncWebhook(sync))`.
 * Mount it before `express.json()`, or after `express.raw({ type: 'application/json' })`: the
 * signature covers the exact bytes. A body another parser already turned into an object is
 * refused with a 500 that names the fix, never re-serialised.
 */
export function clerkSyncWebhook(
  sync: ClerkSync<string>,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const raw = await readNodeBody(req, sync.maxBodyBytes)
    // Core decides every answer (and logs it once); this only translates.
    const result = await sync.processWebhook({
      method: req.method,
      headers: req.headers,
      body: raw.kind === 'parsed' ? (raw.value as never) : raw.body,
    })
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
    if (result.status === 405) headers.allow = 'POST'
    if (raw.kind === 'too_large') headers.connection = 'close'
    res.writeHead(result.status, headers)
    res.end(JSON.stringify(webhookResponseBody(result)))
  }
}
