import type { IncomingMessage } from 'node:http'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { bodyAlreadyParsedError, type WebhookFramework } from '../sync/body-already-parsed.js'

/** A Node request as frameworks hand it over: Express and Next.js put a parsed body on `body`. */
export type NodeRequest = IncomingMessage & { body?: unknown }

export interface IncomingMessageToRequestOptions {
  /** Named in the message when a body parser got there first. */
  framework: Exclude<WebhookFramework, 'fetch' | 'hono'> | undefined
  /**
   * What a body a parser already turned into an object becomes. `refuse` (webhooks: the signature
   * covers the exact bytes) makes reading it fail with `BODY_ALREADY_PARSED`; `json` (the set-role
   * route, which has no signature) serialises it again.
   */
  parsedBody: 'refuse' | 'json'
  /** The framework's body when it is not `req.body` (Fastify's `request.body`). */
  body?: unknown
}

/**
 * The origin of every Request built here. Never the `Host` header: it is the client's to choose
 * (`Host: a b` makes `new URL` throw), and nothing downstream needs it.
 */
const FIXED_ORIGIN = 'http://localhost'

/** The path and query of a request target, whatever form the client sent it in. */
function pathOf(target: string | undefined): string {
  if (!target) return '/'
  if (target.startsWith('/') && !target.startsWith('//')) return target
  try {
    // Absolute form (`POST http://host/path`), `*`, or `//x`: keep only path and query.
    const url = new URL(target, FIXED_ORIGIN)
    return `${url.pathname}${url.search}`
  } catch {
    return '/'
  }
}

function requestUrl(target: string | undefined): string {
  try {
    return new URL(pathOf(target), FIXED_ORIGIN).href
  } catch {
    return `${FIXED_ORIGIN}/`
  }
}

/** The request's headers as sent, in a fetch `Headers`. */
export function copyHeaders(req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!)
    } catch {
      // Node's parser let through something fetch's Headers refuses; no header clerk-sync reads.
    }
  }
  return headers
}

function errorStream(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(error)
    },
  })
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

/**
 * The request's body stream, read from Node's stream only as fast as it is consumed (one chunk
 * ahead), so the cap the handler reads with (core's `readBodyWithCap`) stops the socket too: past
 * it the handler cancels and the rest stays unread. Every way the stream can end is turned into the
 * web stream's end or error (abort, reset, close before the declared length), and nothing here can
 * throw into the framework or be left as an unhandled rejection: listeners stay attached, so a late
 * socket error is absorbed, not uncaught.
 */
function nodeBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (error: unknown) => {
          if (settled) return
          settled = true
          req.pause()
          controller.error(error)
        }
        req.on('data', (chunk: Buffer | string) => {
          if (settled) return
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
          controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
          if ((controller.desiredSize ?? 0) <= 0) req.pause()
        })
        req.on('end', () => {
          if (settled) return
          settled = true
          controller.close()
        })
        // The errors are built only when they settle the stream: every request ends with a
        // 'close', and an Error's stack costs more than the rest of this listener.
        req.on('error', (error) => {
          if (settled) return
          fail(
            new ClerkSyncError(ErrorCode.BODY_UNREADABLE, 'The request body stream failed', {
              cause: error,
            }),
          )
        })
        // A close before 'end' is an abort, including one Node reports with no 'error'.
        req.on('close', () => {
          if (settled) return
          fail(
            new ClerkSyncError(
              ErrorCode.BODY_UNREADABLE,
              'The client closed the connection before the body was complete',
            ),
          )
        })
        req.pause()
      },
      pull() {
        if (!settled) req.resume()
      },
      cancel() {
        // Core stops reading (over the cap): leave the rest unread; the answer closes the connection.
        settled = true
        req.pause()
      },
    },
    { highWaterMark: 1 },
  )
}

/** A parser read the stream (all of it, or part: either way the exact bytes are gone). */
export function alreadyConsumed(req: IncomingMessage): boolean {
  return req.readableEnded || req.readableDidRead
}

function bodyFor(
  req: NodeRequest,
  options: IncomingMessageToRequestOptions,
): ReadableStream<Uint8Array> | string | null {
  const held = 'body' in options ? options.body : req.body
  // What a raw or text parser left is the exact body (express.raw(), express.text()).
  if (typeof held === 'string') return held
  if (held instanceof Uint8Array) return bytesStream(held)
  if (!alreadyConsumed(req)) return nodeBodyStream(req)
  if (options.parsedBody === 'refuse') return errorStream(bodyAlreadyParsedError(options.framework))
  return held === undefined ? null : JSON.stringify(held)
}

/**
 * A Node request (Express, Fastify, Next.js Pages Router, node:http) as a web `Request`, built
 * once, so core's fetch handlers answer every framework: the URL is a fixed origin plus the path,
 * headers are copied as sent, and the body streams from the socket as the handler reads it, so
 * the handler's cap applies while reading. Client aborts and resets surface as a body that cannot be read (`BODY_UNREADABLE`),
 * never as an exception. Never throws.
 */
export function incomingMessageToRequest(
  req: NodeRequest,
  options: IncomingMessageToRequestOptions,
): Request {
  const method = (req.method ?? 'GET').toUpperCase()
  const init: RequestInit & { duplex?: 'half' } = { method, headers: copyHeaders(req) }
  if (method !== 'GET' && method !== 'HEAD') {
    const body = bodyFor(req, options)
    if (body !== null) {
      init.body = body
      init.duplex = 'half'
    }
  }
  try {
    return new Request(requestUrl(req.url), init)
  } catch {
    // A method name fetch refuses (CONNECT, TRACE, TRACK): answerable as "not POST".
    return new Request(requestUrl(req.url), { method: 'GET', headers: init.headers ?? {} })
  }
}
