import type { HeadersInput } from '../webhook/headers.js'
import type { ReadBodyResult } from './read-body.js'
import type { WebhookResult } from './webhook-result.js'

/**
 * Where `createClerkSync` keeps the webhook pipeline that starts after the body was read, for the
 * Node path (`@clerk-sync/core/node`): it reads an IncomingMessage's body itself, with the same cap,
 * and writes the answer itself, instead of building a web `Request` and reading back a `Response`
 * per delivery. Not public API. Non-enumerable, so a spread copy of the ClerkSync does not carry it.
 * `Symbol.for`, so a second copy of core (its ESM and CJS builds both loaded) still finds it.
 */
export const directWebhook = Symbol.for('@clerk-sync/core.directWebhook.v1')

export interface DirectWebhook {
  /**
   * The `handleWebhook` this pipeline is the body of: the Node path uses the pipeline only while
   * the ClerkSync's `handleWebhook` is still this one, so a replaced or spied one is called.
   */
  handleWebhook: (request: Request) => Promise<Response>
  maxBodyBytes: number
  /**
   * What `handleWebhook` answers a POST with, given its headers and its body as read with the
   * `maxBodyBytes` cap (or why it could not be): the result is logged and given to `onEvent`.
   */
  answer(method: string, headers: HeadersInput, read: ReadBodyResult): Promise<WebhookResult>
}

/** The pipeline when `sync` is a ClerkSync whose `handleWebhook` is its own, else null. */
export function directWebhookOf(sync: {
  handleWebhook: (request: Request) => Promise<Response>
}): DirectWebhook | null {
  const direct = (sync as { [directWebhook]?: DirectWebhook })[directWebhook]
  return direct && direct.handleWebhook === sync.handleWebhook ? direct : null
}
