import type { ServerResponse } from 'node:http'
import {
  type IncomingMessageToRequestOptions,
  incomingMessageToRequest,
  type NodeRequest,
} from './incoming-message-to-request.js'
import { sendNodeError, sendNodeResponse } from './send-node-response.js'

/**
 * The one Node request path: the IncomingMessage becomes a web `Request` once, a fetch handler
 * answers it, the answer is written back. Resolves in every case, so a framework that ignores
 * returned promises (Express 4) never sees a rejection, and a client that aborts or resets costs
 * nothing but its own request. `onError` hears of what only a bug could throw.
 */
export async function answerNodeRequest(
  req: NodeRequest,
  res: ServerResponse,
  options: IncomingMessageToRequestOptions,
  handler: (request: Request) => Promise<Response>,
  onError: (error: unknown) => void,
): Promise<void> {
  try {
    await sendNodeResponse(req, res, await handler(incomingMessageToRequest(req, options)))
  } catch (error) {
    try {
      onError(error)
    } catch {}
    await sendNodeError(req, res)
  }
}
