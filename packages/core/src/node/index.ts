// Node-only helpers for the framework adapters (the main entry stays web-standard).
export {
  handleNodeWebhook,
  type NodeWebhookAnswer,
  nodeWebhookAnswer,
} from './handle-node-webhook.js'
export { type NodeBody, readNodeBody } from './read-node-body.js'
export { toFetchRequest } from './to-fetch-request.js'
