export { type SetRoleHandlerOptions, setRoleHandler } from './set-role.js'
export { type ClerkSyncWebhookOptions, clerkSyncWebhook } from './webhook.js'
