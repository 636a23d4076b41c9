import { bodyAlreadyParsedError, type ClerkSync, webhookResponse } from '@clerk-sync/core'
import type { Context } from 'hono'

/**
 * Hono handler answering Clerk's webhooks: `app.post('/api/webhooks', clerkSyncWebhook(sync))`.
 * Hono hands over the fetch `Request` untouched, so core reads the signed bytes itself, with its
 * size cap. If a middleware already read the body through `c.req` (Hono caches it), the cached
 * text or bytes are used; a body consumed with no exact copy kept is refused with a 500 naming the fix.
 */
export function clerkSyncWebhook(sync: ClerkSync<string>): (c: Context) => Promise<Response> {
  return async (c) => {
    const request = c.req.raw
    if (request.bodyUsed) {
      // Hono caches what a middleware read; text (also behind c.req.json() since Hono 4.7), bytes
      // and blobs are what was sent. A cached parsed value would have to be serialised again.
      // Typed as values, held as promises: awaiting covers both.
      const { text, arrayBuffer, blob } = c.req.bodyCache
      const exact = text ?? arrayBuffer ?? blob
      if (exact) {
        const value: string | ArrayBuffer | Blob = await exact
        const body =
          typeof value === 'string'
            ? value
            : new Uint8Array(value instanceof Blob ? await value.arrayBuffer() : value)
        return webhookResponse(
          await sync.processWebhook({
            method: request.method,
            headers: request.headers,
            body,
          }),
        )
      }
      // Consumed with no exact copy kept: core refuses it with Hono's fix.
      return sync.handleWebhook(
        new Request(request.url, {
          method: request.method,
          headers: request.headers,
          body: new ReadableStream({
            start: (controller) => controller.error(bodyAlreadyParsedError('hono')),
          }),
          duplex: 'half',
        } as RequestInit & { duplex: 'half' }),
      )
    }
    return sync.handleWebhook(request)
  }
}
