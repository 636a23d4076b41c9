export { type SetRoleHandlerOptions, setRoleHandler } from './set-role.js'
export { clerkSyncWebhook } from './webhook.js'
