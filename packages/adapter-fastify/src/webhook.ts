import type { ClerkSync } from '@clerk-sync/core'
import { incomingMessageToRequest } from '@clerk-sync/core/node'
import type { FastifyPluginAsync } from 'fastify'
import { sendFastifyReply } from './send-reply.js'

export interface ClerkSyncWebhookOptions {
  /** The route's path, under the prefix the plugin is registered with. Default `/api/webhooks`. */
  path?: string
}

/**
 * A Fastify plugin with the webhook route: `app.register(clerkSyncWebhook(sync))`.
 * The signature covers the exact bytes Clerk sent, so inside this plugin (encapsulated: the rest of
 * the app keeps its parsers) no content-type parser runs; the route reads the raw stream itself,
 * with core's size cap, and answers with core's status and body. Fastify's hooks and logging run
 * as for any route.
 */
export function clerkSyncWebhook(
  sync: ClerkSync<string>,
  options: ClerkSyncWebhookOptions = {},
): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers()
    // Leave the stream unread for the route; every content type, so core decides what to refuse.
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
    app.all(options.path ?? '/api/webhooks', async (request, reply) => {
      const webRequest = incomingMessageToRequest(request.raw, {
        framework: 'fastify',
        parsedBody: 'refuse',
        body: request.body,
      })
      return sendFastifyReply(request.raw, reply, await sync.handleWebhook(webRequest))
    })
  }
}
