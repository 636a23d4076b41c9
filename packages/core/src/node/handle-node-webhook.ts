import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClerkSync } from '../sync/create-clerk-sync.js'
import { webhookResponse } from '../sync/webhook-response.js'
import { readNodeBody } from './read-node-body.js'

export interface NodeWebhookAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Core's answer to one webhook delivery on a Node request (Express, Fastify, Next.js Pages Router,
 * node:http): the raw body read with the cap, core's decision, core's response. A body a parser
 * already turned into an object is handed over as such, so core refuses it with the fix named.
 */
export async function nodeWebhookAnswer(
  sync: ClerkSync<string>,
  req: IncomingMessage & { body?: unknown },
): Promise<NodeWebhookAnswer> {
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
  return { status: response.status, headers, body: await response.text() }
}

/** `nodeWebhookAnswer`, written to a Node response. */
export async function handleNodeWebhook(
  sync: ClerkSync<string>,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
): Promise<void> {
  const answer = await nodeWebhookAnswer(sync, req)
  res.writeHead(answer.status, answer.headers)
  res.end(answer.body)
}
