import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ClerkSync, webhookResponseBody } from '@clerk-sync/core'
import { readNodeBody } from '@clerk-sync/core/node'

type NextApiRequest = IncomingMessage & { body?: unknown }

/**
 * The webhook route for the Pages Router (`pages/api/webhooks.ts`):
 *
 *   export const config = { api: { bodyParser: false } } // literally here: Next reads it statically
 *   export default pagesWebhookHandler(sync)
 *
 * Reads the raw stream itself with the size cap. A body Next already parsed is answered 500
 * with the fix named, never re-serialised.
 */
export function pagesWebhookHandler(
  sync: ClerkSync<string>,
): (req: NextApiRequest, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const raw = await readNodeBody(req, sync.maxBodyBytes)
    const result = await sync.processWebhook({
      method: req.method,
      headers: req.headers,
      body: raw.kind === 'parsed' ? (raw.value as never) : raw.body,
    })
    const body = webhookResponseBody(result)
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
    if (result.status === 405) headers.allow = 'POST'
    if (raw.kind === 'too_large') headers.connection = 'close'
    res.writeHead(result.status, headers)
    res.end(JSON.stringify(body))
  }
}
