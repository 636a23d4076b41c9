// Node-only helpers for the framework adapters (the main entry stays web-standard).
export { type NodeBody, readNodeBody } from './read-node-body.js'
