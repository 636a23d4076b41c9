export { type NextSetRoleOptions, setRoleHandler, webhookHandler } from './app-router.js'
export { pagesWebhookHandler } from './pages-router.js'
