import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClerkSync } from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'

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
  return (req, res) => handleNodeWebhook(sync, req, res, { framework: 'next-pages' })
}
