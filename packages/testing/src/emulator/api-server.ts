import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { requestedApiVersion } from './api-version.js'
import { isPlainObject, type JsonObject } from './body-params.js'
import { apiErrors, ClerkApiError, errorsBody } from './clerk-errors.js'
import type { RateLimiter } from './rate-limiter.js'
import type { SideRoute } from './side-route.js'
import type { Throttle } from './throttle.js'
import { findRoute, isRateLimited, type RouteContext } from './users-routes.js'

/** One Backend API call as the emulator answered it, for assertions on what a client did. */
export interface ApiRequestRecord {
  method: string
  /** Path and query string, e.g. `/v1/users?limit=10`. */
  url: string
  status: number
  /** The exact JSON text sent back. */
  responseBody: string
  at: number
}

export interface ApiServerOptions {
  secretKey: string
  rateLimiter: RateLimiter | undefined
  /** Refusals armed by `throttleNext`, answered before the rate limit is consulted. */
  throttle: Throttle
  /** Builds the route context for one request (its client IP and user agent go into events). */
  context(request: IncomingMessage): RouteContext
  record(entry: ApiRequestRecord): void
  /** Tried in order before the Backend API: the Frontend API, the development endpoints. */
  sideRoutes?: SideRoute[]
}

const MAX_BODY_BYTES = 1024 * 1024

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw apiErrors.bodyInvalid('the body is larger than 1 MiB')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** The JSON object body of a request; empty is `{}`. ClerkApiErrors for anything else. */
export async function parseBody(req: IncomingMessage): Promise<JsonObject> {
  const text = await readBody(req)
  if (text.trim() === '') return {}
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw apiErrors.unsupportedContentType(type || '(none)')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw apiErrors.bodyInvalid('it is not valid JSON')
  }
  if (!isPlainObject(body)) throw apiErrors.bodyInvalid('it must be a JSON object')
  return body
}

/** `Authorization: Bearer <secret key>`, or Clerk's 401s. */
export function authenticate(req: IncomingMessage, secretKey: string): void {
  const header = req.headers.authorization
  const match = header?.match(/^Bearer (\S+)$/)
  if (!match) throw apiErrors.headerFormatInvalid()
  // Constant time: how long a refusal takes says nothing about how much of the key was right.
  const given = createHash('sha256').update(match[1]!).digest()
  const expected = createHash('sha256').update(secretKey).digest()
  if (!timingSafeEqual(given, expected)) throw apiErrors.keyInvalid()
}

async function answer(req: IncomingMessage, options: ApiServerOptions) {
  const url = new URL(req.url ?? '/', 'http://emulator')
  const [prefix, ...segments] = url.pathname.split('/').filter(Boolean)
  const method = req.method ?? 'GET'
  if (prefix !== 'v1') throw apiErrors.resourceNotFound()
  authenticate(req, options.secretKey)
  const header = req.headers['clerk-api-version']
  const apiVersion = requestedApiVersion(
    Array.isArray(header) ? header[0] : header,
    url.searchParams.get('__clerk_api_version'),
  )
  if (isRateLimited(segments)) {
    const throttled = options.throttle.take()
    if (throttled !== undefined) throw apiErrors.tooManyRequests(throttled)
    const wait = options.rateLimiter?.retryAfterSeconds() ?? 0
    if (wait > 0) throw apiErrors.tooManyRequests(wait)
  }
  const route = findRoute(method, segments)
  if (!route) throw apiErrors.resourceNotFound()
  const body = method === 'GET' || method === 'DELETE' ? {} : await parseBody(req)
  return route(
    { method, segments, query: url.searchParams, body, apiVersion },
    options.context(req),
  )
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
) {
  const text = JSON.stringify(body)
  // Exactly `application/json`: @clerk/backend parses JSON only on that exact header value.
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(text)
  return text
}

/** The Backend API over node:http: auth, version, rate limit, routing, ClerkErrors on failure. */
export function createApiServer(options: ApiServerOptions): Server {
  return createServer(async (req, res) => {
    for (const route of options.sideRoutes ?? []) {
      try {
        if (await route(req, res)) return
      } catch (error) {
        console.error('[clerk-emulator]', error)
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('clerk-emulator: internal error')
        return
      }
    }
    let status: number
    let text: string
    try {
      const result = await answer(req, options)
      status = result.status
      text = send(res, status, result.body, {})
    } catch (error) {
      const known = error instanceof ClerkApiError ? error : apiErrors.internal()
      if (!(error instanceof ClerkApiError)) console.error('[clerk-emulator]', error)
      status = known.status
      text = send(res, status, errorsBody(known.error), known.headers)
    }
    options.record({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status,
      responseBody: text,
      at: Date.now(),
    })
  })
}
