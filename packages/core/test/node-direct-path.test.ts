import { createServer, type Server } from 'node:http'
import { type ClerkSync, createClerkSync, MemoryStore } from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { listenOnLoopback } from '../../../test-support/http.js'
import { encodeRequest, rawExchange } from '../../../test-support/trust/raw-http.js'

/**
 * `handleNodeWebhook` answers a ClerkSync's deliveries without a web Request and Response (the
 * direct path); anything else, and any ClerkSync whose `handleWebhook` was replaced, goes through
 * `handleWebhook`. Both must give the same answers and the same log lines, byte for byte.
 */
describe('@clerk-sync/core/node: the direct path answers as handleWebhook does', () => {
  const secret = generateSigningSecret()
  const make = () => {
    const log = captureLogger()
    const sync = createClerkSync({
      signingSecret: secret,
      store: new MemoryStore(),
      logger: log.logger,
      maxBodyBytes: 4096,
    })
    return { sync, log }
  }
  const direct = make()
  const viaRequest = make()
  let calls = 0
  // Not the ClerkSync itself: no direct path, so every request goes through handleWebhook.
  const wrapped: Pick<ClerkSync<string>, 'handleWebhook' | 'logger'> = {
    handleWebhook: (request) => {
      calls++
      return viaRequest.sync.handleWebhook(request)
    },
    logger: viaRequest.sync.logger,
  }
  const servers: Server[] = []
  let directPort = 0
  let requestPort = 0

  beforeAll(async () => {
    const a = createServer((req, res) => void handleNodeWebhook(direct.sync, req, res))
    const b = createServer((req, res) => void handleNodeWebhook(wrapped, req, res))
    servers.push(a, b)
    directPort = await listenOnLoopback(a)
    requestPort = await listenOnLoopback(b)
  })
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  const user = clerkUser()
  const created = JSON.stringify(userCreatedEvent(user))
  const signed = (body: string | Buffer, id?: string) =>
    Object.entries(signWebhook({ secret, body, ...(id ? { id } : {}) }))
  const json = ['content-type', 'application/json'] as [string, string]
  const cases: Array<[string, Parameters<typeof encodeRequest>[0]]> = [
    [
      'a delivery',
      {
        method: 'POST',
        target: '/',
        headers: [json, ...signed(created, 'msg_direct_1')],
        body: Buffer.from(created),
      },
    ],
    [
      'the same delivery again',
      {
        method: 'POST',
        target: '/',
        headers: [json, ...signed(created, 'msg_direct_1')],
        body: Buffer.from(created),
      },
    ],
    [
      'a delete',
      {
        method: 'POST',
        target: '/',
        headers: signed(JSON.stringify(userDeletedEvent(user.id)), 'msg_direct_2'),
        body: Buffer.from(JSON.stringify(userDeletedEvent(user.id))),
      },
    ],
    [
      'a wrong signature',
      {
        method: 'POST',
        target: '/',
        headers: signed('{}'),
        body: Buffer.from(created),
      },
    ],
    ['no svix headers', { method: 'POST', target: '/', headers: [json], body: Buffer.from('{}') }],
    [
      'a repeated svix-id',
      {
        method: 'POST',
        target: '/',
        headers: [['svix-id', 'msg_a'], ...signed(created, 'msg_b')],
        body: Buffer.from(created),
      },
    ],
    [
      'signed bytes that are not JSON',
      { method: 'POST', target: '/', headers: signed('not json'), body: Buffer.from('not json') },
    ],
    [
      'signed bytes that are not UTF-8',
      {
        method: 'POST',
        target: '/',
        headers: signed(Buffer.from([0xff, 0xfe])),
        body: Buffer.from([0xff, 0xfe]),
      },
    ],
    [
      'an event type clerk-sync does not handle',
      {
        method: 'POST',
        target: '/',
        headers: signed('{"type":"session.created","data":{}}'),
        body: Buffer.from('{"type":"session.created","data":{}}'),
      },
    ],
    [
      'a user event without updated_at',
      {
        method: 'POST',
        target: '/',
        headers: signed('{"type":"user.updated","data":{"id":"user_1"}}'),
        body: Buffer.from('{"type":"user.updated","data":{"id":"user_1"}}'),
      },
    ],
    [
      'an envelope Clerk never sends',
      {
        method: 'POST',
        target: '/',
        headers: signed('{"type":"user.updated","timestamp":-1,"data":{}}'),
        body: Buffer.from('{"type":"user.updated","timestamp":-1,"data":{}}'),
      },
    ],
    ['an empty body', { method: 'POST', target: '/', headers: signed(''), body: Buffer.alloc(0) }],
    [
      'a declared length past the cap',
      {
        method: 'POST',
        target: '/',
        headers: signed('x'),
        body: Buffer.alloc(0),
        contentLength: 100_000,
      },
    ],
    [
      'a chunked body past the cap',
      {
        method: 'POST',
        target: '/',
        headers: [['transfer-encoding', 'chunked'], ...signed('x')],
        body: Buffer.from(
          Array.from({ length: 8 }, () => `400\r\n${'x'.repeat(1024)}\r\n`).join(''),
        ),
        contentLength: 'none',
      },
    ],
    ['a GET', { method: 'GET', target: '/', headers: [], body: Buffer.alloc(0) }],
  ]

  it.each(cases)('%s', async (_name, request) => {
    const withHost = { ...request, headers: [['host', 'localhost'], ...request.headers] }
    const answerOf = async (port: number) => {
      const outcome = await rawExchange(port, encodeRequest(withHost as typeof request))
      if (outcome.kind !== 'answered') throw new Error(`no answer: ${outcome.kind}`)
      const { date: _date, 'keep-alive': _keepAlive, ...headers } = outcome.answer.headers
      return { status: outcome.answer.status, headers, text: outcome.answer.text }
    }
    direct.log.lines.length = 0
    viaRequest.log.lines.length = 0
    const before = calls
    const a = await answerOf(directPort)
    const b = await answerOf(requestPort)
    expect(calls).toBe(before + 1)
    expect(a).toEqual(b)
    expect(direct.log.lines).toEqual(viaRequest.log.lines)
  })

  it('calls a handleWebhook that replaced the ClerkSync own', async () => {
    const { sync } = make()
    let replaced = 0
    const original = sync.handleWebhook
    sync.handleWebhook = (request) => {
      replaced++
      return original(request)
    }
    const server = createServer((req, res) => void handleNodeWebhook(sync, req, res))
    const port = await listenOnLoopback(server)
    const outcome = await rawExchange(
      port,
      encodeRequest({
        method: 'POST',
        target: '/',
        headers: [['host', 'localhost'], json, ...signed(created)],
        body: Buffer.from(created),
      }),
    )
    expect(outcome.kind === 'answered' && outcome.answer.status).toBe(200)
    expect(replaced).toBe(1)
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
})
