import type { ServerResponse } from 'node:http'
import type { ClerkSync } from '../sync/create-clerk-sync.js'
import { type DirectWebhook, directWebhookOf } from '../sync/direct-webhook.js'
import { webhookAnswer } from '../sync/webhook-response.js'
import { answerNodeRequest } from './answer-node-request.js'
import {
  alreadyConsumed,
  copyHeaders,
  type IncomingMessageToRequestOptions,
  type NodeRequest,
} from './incoming-message-to-request.js'
import { readNodeBody } from './read-node-body.js'
import { sendNodeError, writeNodeAnswer } from './send-node-response.js'

export interface NodeWebhookOptions {
  /** Named in the answer when a body parser got there first. */
  framework?: IncomingMessageToRequestOptions['framework']
}

/**
 * Answers one webhook delivery on a Node request (Express 4/5, Next.js Pages Router, node:http)
 * with `sync.handleWebhook`. Resolves in every case; see `answerNodeRequest`.
 *
 * A delivery (a POST whose body nothing read yet) to a ClerkSync from `createClerkSync` skips the
 * web `Request` and `Response`: its body is read from the socket with the same cap and handed to
 * the same pipeline, and the same answer is written back. Anything else goes through
 * `handleWebhook` itself.
 */
export function handleNodeWebhook(
  sync: Pick<ClerkSync<string>, 'handleWebhook' | 'logger'>,
  req: NodeRequest,
  res: ServerResponse,
  options: NodeWebhookOptions = {},
): Promise<void> {
  const onError = (error: unknown) =>
    sync.logger.error(
      `Webhook handler failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    )
  const direct = directWebhookOf(sync)
  if (direct && req.method === 'POST' && req.body === undefined && !alreadyConsumed(req))
    return answerDirectly(direct, req, res, onError)
  return answerNodeRequest(
    req,
    res,
    { framework: options.framework, parsedBody: 'refuse' },
    (request) => sync.handleWebhook(request),
    onError,
  )
}

async function answerDirectly(
  direct: DirectWebhook,
  req: NodeRequest,
  res: ServerResponse,
  onError: (error: unknown) => void,
): Promise<void> {
  try {
    // The headers as the web Request would have carried them: what the pipeline reads is the same.
    const headers = copyHeaders(req)
    const read = await readNodeBody(req, headers, direct.maxBodyBytes)
    const answer = webhookAnswer(await direct.answer('POST', headers, read))
    writeNodeAnswer(req, res, answer.status, answer.headers, Buffer.from(answer.body))
  } catch (error) {
    try {
      onError(error)
    } catch {}
    await sendNodeError(req, res)
  }
}
