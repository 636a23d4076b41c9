import type { ServerResponse } from 'node:http'
import type { ClerkSync } from '../sync/create-clerk-sync.js'
import { answerNodeRequest } from './answer-node-request.js'
import type { IncomingMessageToRequestOptions, NodeRequest } from './incoming-message-to-request.js'

export interface NodeWebhookOptions {
  /** Named in the answer when a body parser got there first. */
  framework?: IncomingMessageToRequestOptions['framework']
}

/**
 * Answers one webhook delivery on a Node request (Express 4/5, Next.js Pages Router, node:http)
 * with `sync.handleWebhook`. Resolves in every case; see `answerNodeRequest`.
 */
export function handleNodeWebhook(
  sync: Pick<ClerkSync<string>, 'handleWebhook' | 'logger'>,
  req: NodeRequest,
  res: ServerResponse,
  options: NodeWebhookOptions = {},
): Promise<void> {
  return answerNodeRequest(
    req,
    res,
    { framework: options.framework, parsedBody: 'refuse' },
    (request) => sync.handleWebhook(request),
    (error) =>
      sync.logger.error(
        `Webhook handler failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      ),
  )
}
