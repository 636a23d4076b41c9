import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClerkSync } from '../sync/create-clerk-sync.js'
import { webhookResponse } from '../sync/webhook-response.js'
import { readNodeBody } from './read-node-body.js'

/**
 * Answers one webhook delivery on a Node request (Express, Next.js Pages Router, node:http): the
 * raw body read with the cap, core's decision, core's response. A body a parser already turned
 * into an object is handed over as such, so core refuses it with the fix named.
 */
export async function handleNodeWebhook(
  sync: ClerkSync<string>,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
): Promise<void> {
  const raw = await readNodeBody(req, sync.maxBodyBytes)
  const result = await sync.processWebhook({
    method: req.method,
    headers: req.headers,
    body: raw.kind === 'parsed' ? (raw.value as never) : raw.body,
  })
  const response = webhookResponse(result)
  const headers = Object.fromEntries(response.headers)
  // The rest of an oversized body is not read: close, so the client stops sending it.
  if (raw.kind === 'too_large') headers.connection = 'close'
  res.writeHead(response.status, headers)
  res.end(await response.text())
}
