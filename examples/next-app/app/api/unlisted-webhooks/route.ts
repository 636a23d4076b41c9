import { auth } from '@clerk/nextjs/server'
import { webhookHandler } from '@clerk-sync/next'
import { sync } from '@/lib/sync'

const handleWebhook = webhookHandler(sync)

// The commonest mistake, kept on purpose for the tests: a session check in front of a webhook
// route (here the route's own auth.protect(); before Next 16 it was usually a route matcher in
// the middleware). Svix sends no Clerk session, so Clerk answers in clerk-sync's place and every
// delivery fails. `clerk-sync check` reports it.
export async function POST(request: Request): Promise<Response> {
  await auth.protect()
  return handleWebhook(request)
}
