// Node-only helpers for the framework adapters (the main entry stays web-standard): one way from
// an IncomingMessage to a web Request, and one way back.
export { answerNodeRequest } from './answer-node-request.js'
export { handleNodeWebhook, type NodeWebhookOptions } from './handle-node-webhook.js'
export {
  type IncomingMessageToRequestOptions,
  incomingMessageToRequest,
  type NodeRequest,
} from './incoming-message-to-request.js'
export { sendNodeError, sendNodeResponse } from './send-node-response.js'
