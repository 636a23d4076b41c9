import type { IncomingMessage } from 'node:http'
import type { FastifyReply } from 'fastify'

/** Core's `Response` through Fastify's reply, so Fastify's hooks and logging see it. */
export async function sendFastifyReply(
  raw: IncomingMessage,
  reply: FastifyReply,
  response: Response,
): Promise<FastifyReply> {
  const headers = Object.fromEntries(response.headers)
  // The rest of an unread body (413) is not read: close, so the client stops sending it.
  if (!raw.complete) headers.connection = 'close'
  return reply
    .code(response.status)
    .headers(headers)
    .send(await response.text())
}
