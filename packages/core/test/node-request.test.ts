import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createClerkSync, MemoryStore } from '@clerk-sync/core'
import {
  answerNodeRequest,
  handleNodeWebhook,
  type IncomingMessageToRequestOptions,
} from '@clerk-sync/core/node'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { listenOnLoopback } from '../../../test-support/http.js'
import {
  encodeRequest,
  type RawRequest,
  rawExchange,
  writeAndAbort,
} from '../../../test-support/trust/raw-http.js'

type Handler = (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => void

/** Errors nothing handled: each one would have ended a real app's process. */
const escaped: unknown[] = []
const onEscape = (error: unknown) => escaped.push(error)

async function listen(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler)
  return { server, port: await listenOnLoopback(server) }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Bytes of one request; Node answers 400 itself to HTTP/1.1 without Host, so one is added. */
function bytes(
  method: string,
  target: string,
  headers: Record<string, string>,
  body = '',
  contentLength: RawRequest['contentLength'] = 'auto',
): Buffer {
  const all = Object.keys(headers).some((h) => h.toLowerCase() === 'host')
    ? headers
    : { host: 'localhost', ...headers }
  return encodeRequest({
    method,
    target,
    headers: Object.entries(all),
    body: Buffer.from(body),
    contentLength,
  })
}

/** The answer, or status 0 when the server closed without one. */
async function exchange(port: number, request: Buffer) {
  const outcome = await rawExchange(port, request)
  return outcome.kind === 'answered'
    ? outcome.answer
    : { status: 0, headers: {} as Record<string, string>, text: '' }
}

describe('@clerk-sync/core/node: the one Node request path', () => {
  const secret = generateSigningSecret()
  const store = new MemoryStore()
  const log = captureLogger()
  const sync = createClerkSync({
    signingSecret: secret,
    store,
    logger: log.logger,
    maxBodyBytes: 4096,
  })
  let webhook: { server: Server; port: number }
  /** What the last probed request looked like once it was a web Request. */
  let seen: { url: string; method: string; body: string | null; error?: string } | undefined
  let probe: { server: Server; port: number }

  function probeWith(options: Partial<IncomingMessageToRequestOptions> = {}): Handler {
    return (req, res) =>
      void answerNodeRequest(
        req,
        res,
        { framework: 'express', parsedBody: 'refuse', ...options },
        async (request) => {
          seen = { url: request.url, method: request.method, body: null }
          try {
            seen.body = request.body ? await request.text() : null
          } catch (error) {
            seen.error = error instanceof Error ? error.message : String(error)
          }
          return new Response('ok')
        },
        (error) => onEscape(error),
      )
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onEscape)
    process.on('uncaughtException', onEscape)
    webhook = await listen((req, res) => void handleNodeWebhook(sync, req, res))
    probe = await listen(probeWith())
  })
  afterAll(async () => {
    process.off('unhandledRejection', onEscape)
    process.off('uncaughtException', onEscape)
    for (const { server } of [webhook, probe]) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
  afterEach(() => {
    expect(escaped).toEqual([])
    seen = undefined
  })

  describe('the URL is a fixed origin and the path, never the Host header', () => {
    it.each([
      ['Host: a b', '/api/webhooks?x=1', { host: 'a b' }, 'http://localhost/api/webhooks?x=1'],
      ['Host: [::1', '/api/webhooks', { host: '[::1' }, 'http://localhost/api/webhooks'],
      [
        'an absolute-form target',
        'http://evil.example/api/webhooks?y=2',
        { host: 'evil.example' },
        'http://localhost/api/webhooks?y=2',
      ],
      ['a target of //', '//evil.example/x', { host: 'h' }, 'http://localhost/x'],
    ])('%s', async (_name, target, headers, url) => {
      const answer = await exchange(probe.port, bytes('POST', target, headers, '{}'))
      expect(answer.status).toBe(200)
      expect(seen).toEqual({ url, method: 'POST', body: '{}' })
    })

    it('applies a signed delivery sent with Host: a b', async () => {
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const answer = await exchange(
        webhook.port,
        bytes(
          'POST',
          '/api/webhooks',
          { host: 'a b', 'content-type': 'application/json', ...signWebhook({ secret, body }) },
          body,
        ),
      )
      expect(answer.status).toBe(200)
      expect(JSON.parse(answer.text)).toMatchObject({ outcome: 'applied' })
      expect(await store.getUser(user.id)).not.toBeNull()
    })
  })

  describe('clients that go away', () => {
    it('a client that sends half its body and closes costs only its request', async () => {
      const before = store.snapshot()
      log.lines.length = 0
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const half = bytes(
        'POST',
        '/api/webhooks',
        { 'content-type': 'application/json', ...signWebhook({ secret, body }) },
        body.slice(0, 40),
        Buffer.byteLength(body),
      )
      await writeAndAbort(webhook.port, half)
      // The handler finished (its log line proves it) and wrote nothing.
      for (let i = 0; i < 500 && !log.lines.length; i++) await sleep(10)
      expect(log.lines).toEqual([expect.stringMatching(/^warn Webhook request abandoned: /)])
      expect(store.snapshot()).toEqual(before)
      // And the server still answers.
      const next = await fetch(`http://127.0.0.1:${webhook.port}/api/webhooks`)
      expect(next.status).toBe(405)
    })

    it('a body shorter than its Content-Length is unreadable, not truncated', async () => {
      await writeAndAbort(probe.port, bytes('POST', '/', {}, 'short', 100))
      // Until the read has settled (the handler sets `seen` first, then the body or the error).
      for (let i = 0; i < 500 && seen?.error === undefined && !seen?.body; i++) await sleep(10)
      expect(seen?.body).toBeNull()
      expect(seen?.error).toBeDefined()
    })

    it('a client that resets while its answer is being made crashes nothing', async () => {
      const slow = await listen((req, res) =>
        answerNodeRequest(
          req,
          res,
          { framework: undefined, parsedBody: 'refuse' },
          async (request) => {
            await request.text()
            await sleep(100)
            return new Response('late')
          },
          onEscape,
        ),
      )
      await writeAndAbort(slow.port, bytes('POST', '/', {}, '{}'))
      // The handler answers 100 ms later, to a socket that is gone.
      await sleep(200)
      slow.server.closeAllConnections()
      await new Promise((resolve) => slow.server.close(resolve))
    })
  })

  describe('the cap applies while reading', () => {
    it('answers 413 to a chunked body past the cap and closes the connection', async () => {
      const chunk = 'x'.repeat(1024)
      const chunks = Array.from({ length: 8 }, () => `400\r\n${chunk}\r\n`).join('')
      const request = bytes(
        'POST',
        '/api/webhooks',
        { 'transfer-encoding': 'chunked', ...signWebhook({ secret, body: 'x' }) },
        chunks,
        'none',
      )
      const answer = await exchange(webhook.port, request)
      expect(answer.status).toBe(413)
      expect(answer.headers.connection).toBe('close')
    })

    it('answers 413 at once to a declared length past the cap, reading none of it', async () => {
      const answer = await exchange(
        webhook.port,
        bytes('POST', '/api/webhooks', signWebhook({ secret, body: 'x' }), '', 100_000),
      )
      expect(answer.status).toBe(413)
    })
  })

  describe('a body a parser already read', () => {
    function consumeThen(options: Partial<IncomingMessageToRequestOptions>): Handler {
      const next = probeWith(options)
      return (req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c) => chunks.push(c))
        req.on('end', () => {
          req.body = JSON.parse(Buffer.concat(chunks).toString())
          next(req, res)
        })
      }
    }

    it('is refused with the fix for the framework in use (webhooks)', async () => {
      const server = await listen(consumeThen({ framework: 'next-pages', parsedBody: 'refuse' }))
      const response = await fetch(`http://127.0.0.1:${server.port}/`, {
        method: 'POST',
        body: '{"a":1}',
      })
      expect(response.status).toBe(200)
      expect(seen?.error).toContain('bodyParser: false')
      expect(seen?.error).not.toMatch(/express|Hono|Fastify/i)
      server.server.closeAllConnections()
      await new Promise((resolve) => server.server.close(resolve))
    })

    it('is serialised again where no signature covers it (set-role)', async () => {
      const server = await listen(consumeThen({ parsedBody: 'json' }))
      await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: '{ "a" : 1 }' })
      expect(seen?.body).toBe('{"a":1}')
      server.server.closeAllConnections()
      await new Promise((resolve) => server.server.close(resolve))
    })
  })
})
