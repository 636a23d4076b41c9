import type { IncomingMessage, ServerResponse } from 'node:http'

/** Ignores errors on a response whose client is gone: with no listener they would be uncaught. */
function absorb(): void {}

/**
 * Writes a fetch `Response` to a Node response. Never rejects and never throws into the framework:
 * a client that left mid-request or mid-response just gets nothing. When the request's body was
 * not read to its end (413, 405), the connection is closed so the client stops sending it.
 */
export async function sendNodeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
): Promise<void> {
  res.on('error', absorb)
  let body: Buffer
  try {
    body = Buffer.from(await response.arrayBuffer())
  } catch {
    body = Buffer.alloc(0)
  }
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of response.headers) headers[name] = value
  const cookies = response.headers.getSetCookie()
  if (cookies.length) headers['set-cookie'] = cookies
  write(req, res, response.status, headers, body)
}

/**
 * Writes a status, headers (lowercase names) and a whole body to a Node response, as
 * `sendNodeResponse` does for a fetch `Response`: nothing when the response is already under way
 * or gone, `connection: close` when the request's body was not read to its end, and never a throw.
 */
export function writeNodeAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
): void {
  res.on('error', absorb)
  write(req, res, status, headers, body)
}

function write(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return
  if (!req.complete) headers.connection = 'close'
  headers['content-length'] = String(body.byteLength)
  try {
    res.writeHead(status, headers)
    res.end(body)
  } catch {
    // The socket closed between the check and the write.
  }
}

/** The answer when something unexpected threw: 500, with no detail for the client. */
export async function sendNodeError(
  req: IncomingMessage,
  res: ServerResponse,
  message = 'Internal error',
): Promise<void> {
  const body = JSON.stringify({ outcome: 'failed', message })
  await sendNodeResponse(
    req,
    res,
    new Response(body, {
      status: 500,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    }),
  )
}
