import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClerkSync } from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'

type Request = IncomingMessage & { body?: unknown }
type Response = ServerResponse

/**
 * Express middleware answering Clerk's webhooks: `app.post('/api/webhooks', clerkSyncWebhook(sync))`.
 * Mount it before `express.json()`, or after `express.raw({ type: 'application/json' })`: the
 * signature covers the exact bytes. A body another parser already turned into an object is
 * refused with a 500 that names the fix, never re-serialised. The returned promise never rejects
 * (Express 4 would leave a rejection unhandled): aborted and reset requests are answered or dropped.
 */
export function clerkSyncWebhook(
  sync: ClerkSync<string>,
): (req: Request, res: Response) => Promise<void> {
  return (req, res) => handleNodeWebhook(sync, req, res, { framework: 'express' })
}
