import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

/**
 * The frameworks clerk-sync has adapters for; each has its own way to keep the raw body. `fetch`:
 * any handler given a fetch `Request` (Next.js App Router, Bun, Deno, workers).
 */
export type WebhookFramework = 'express' | 'fastify' | 'fetch' | 'hono' | 'next-pages'

const lead =
  'The request body was already parsed or read before clerk-sync got it, so its signature cannot be checked. '

// One fix per framework: a message that lists every framework's fix hides the one that applies.
const fixes: Record<WebhookFramework, string> = {
  express:
    "In Express, mount the webhook route before express.json() (or give it express.raw({ type: 'application/json' })).",
  fastify:
    'In Fastify, register the route with app.register(clerkSyncWebhook(sync)): the plugin turns off body parsing for itself only.',
  hono: 'In Hono, read the body in no middleware before the route (or only as c.req.text() or c.req.arrayBuffer(), which Hono keeps).',
  fetch:
    'Do not read the Request before handleWebhook(request) (in a Next.js route handler or any fetch-style server); give anything else that reads it request.clone().',
  'next-pages':
    'In a Next.js Pages Router API route, add export const config = { api: { bodyParser: false } } to the route file.',
}

const anyFramework =
  'Give clerk-sync the raw bytes as received (a string or a Buffer), not a parsed object: ' +
  'the adapters for Express, Fastify, Hono and Next.js read them for you.'

/** What a refused parsed body is told: the fix for the framework in use, or the general rule. */
export function alreadyParsedMessage(framework?: WebhookFramework): string {
  return lead + (framework ? fixes[framework] : anyFramework)
}

/**
 * The error a framework adapter puts in place of a body it cannot give raw; core answers it with
 * 500 `BODY_ALREADY_PARSED` and this message (the one failure whose message goes to the sender:
 * it is about the app's setup, and the Clerk Dashboard is where the developer reads it).
 */
export function bodyAlreadyParsedError(framework?: WebhookFramework): ClerkSyncError {
  return new ClerkSyncError(ErrorCode.BODY_ALREADY_PARSED, alreadyParsedMessage(framework))
}
