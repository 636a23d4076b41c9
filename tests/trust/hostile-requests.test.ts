import { createClerkClient } from '@clerk/backend'
import { clerkUser, generateSigningSecret, userCreatedEvent } from '@clerk-sync/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../test-support/capture-logger.js'
import { type CaseContext, delivery } from '../../test-support/trust/catalogue.js'
import { monitorProcess, settleEventLoop } from '../../test-support/trust/process-monitor.js'
import {
  encodeRequest,
  type RawOutcome,
  type RawRequest,
  rawExchange,
  writeAndAbort,
} from '../../test-support/trust/raw-http.js'
import { send } from '../../test-support/trust/send.js'
import {
  CALLER_HEADER,
  SET_ROLE_PATH,
  startAdapters,
  type TrustAdapter,
} from '../../test-support/trust/servers.js'
import { storeState } from '../../test-support/trust/store-state.js'

/**
 * Requests that attack the connection rather than the payload: clients that give up mid-body,
 * bodies over the cap that never finish, lying lengths, and request lines fetch cannot send, on
 * both routes of every adapter. A real server must answer or drop each one and keep serving; the
 * process monitor catches what would have killed it (Node exits on an unhandled rejection).
 */
const MAX_BODY = 4096
const ctx: CaseContext = { secret: generateSigningSecret() }
const { logger } = captureLogger()
const monitor = monitorProcess()
const clerk = createClerkClient({ secretKey: 'sk_test_unused', apiUrl: 'http://127.0.0.1:9' })
const started = await startAdapters({ secret: ctx.secret, clerk, logger, maxBodyBytes: MAX_BODY })
afterAll(async () => {
  await started.close()
  monitor.stop()
})

/** Waits (in event-loop turns, not time) until the server has let go of every connection. */
async function untilIdle(adapter: TrustAdapter): Promise<void> {
  while ((await adapter.openConnections?.()) !== 0) await settleEventLoop(1)
  await settleEventLoop()
}

/** A valid delivery still gets 200 and is written: the server is alive and serving. */
async function expectStillServing(adapter: TrustAdapter): Promise<void> {
  const built = delivery(ctx)
  const outcome = await send(adapter, built.request, { interrupt: monitor.next() })
  expect(outcome.kind === 'answered' && outcome.answer.status).toBe(200)
  expect(await adapter.store.getUser(built.userId ?? '')).not.toBeNull()
}

function expectNoNewErrors(from: number): void {
  expect(
    monitor.errors.slice(from).map((e) => (e instanceof Error ? e.message : String(e))),
    'unhandled errors in the server process',
  ).toEqual([])
}

const headerBytes = (request: RawRequest, contentLength: number | 'none') =>
  encodeRequest({ ...request, body: Buffer.alloc(0), contentLength })

const statusOf = (outcome: RawOutcome) =>
  outcome.kind === 'answered' ? outcome.answer.status : outcome.kind

const nodeAdapters = started.adapters.filter((a) => a.port !== undefined)

for (const adapter of nodeAdapters) {
  const port = adapter.port as number
  describe(adapter.name, () => {
    it('[slow/aborted] half a body, then the client closes', async () => {
      const errors = monitor.errors.length
      const before = storeState(adapter.store)
      const { request } = delivery(ctx)
      const half = request.body.subarray(0, request.body.byteLength >> 1)
      await writeAndAbort(
        port,
        Buffer.concat([headerBytes(request, request.body.byteLength), half]),
      )
      await untilIdle(adapter)
      expectNoNewErrors(errors)
      expect(storeState(adapter.store)).toBe(before)
      await expectStillServing(adapter)
    })

    it('[slow/aborted] headers only, then the client closes', async () => {
      const errors = monitor.errors.length
      const before = storeState(adapter.store)
      const { request } = delivery(ctx)
      await writeAndAbort(port, headerBytes(request, request.body.byteLength))
      await untilIdle(adapter)
      expectNoNewErrors(errors)
      expect(storeState(adapter.store)).toBe(before)
      await expectStillServing(adapter)
    })

    it('[slow/aborted] a body over the cap streamed slowly: 413 before it is all sent', async () => {
      // Chunked, with no end: the body never completes, so no signature over it can have been
      // computed when the 413 arrives.
      const errors = monitor.errors.length
      const before = storeState(adapter.store)
      const { request } = delivery(ctx)
      const chunk = (text: string) =>
        Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`)
      const chunked = {
        ...request,
        headers: [...request.headers, ['transfer-encoding', 'chunked']],
      }
      const bytes = [
        headerBytes(chunked as RawRequest, 'none'),
        ...Array.from({ length: MAX_BODY / 1024 + 2 }, () => chunk('x'.repeat(1024))),
      ]
      const outcome = await rawExchange(port, bytes, { interrupt: monitor.next(), keepOpen: true })
      expect(statusOf(outcome)).toBe(413)
      // Declared over the cap and only partly sent: answered from the declaration.
      const declared = await rawExchange(
        port,
        [headerBytes(request, 10 * 1024 * 1024), Buffer.alloc(MAX_BODY, 'y')],
        { interrupt: monitor.next(), keepOpen: true },
      )
      expect(statusOf(declared)).toBe(413)
      await settleEventLoop()
      expectNoNewErrors(errors)
      expect(storeState(adapter.store)).toBe(before)
      await expectStillServing(adapter)
    })

    it('[slow/aborted] Content-Length shorter than the body sent', async () => {
      const errors = monitor.errors.length
      const before = storeState(adapter.store)
      const { request } = delivery(ctx)
      const outcome = await rawExchange(port, encodeRequest({ ...request, contentLength: 5 }), {
        interrupt: monitor.next(),
      })
      expect(statusOf(outcome)).toBe(400)
      await untilIdle(adapter)
      expectNoNewErrors(errors)
      expect(storeState(adapter.store)).toBe(before)
      await expectStillServing(adapter)
    })

    if (!adapter.hasSetRole) return

    const setRoleRequest = (overrides: Partial<RawRequest> = {}): RawRequest => ({
      method: 'POST',
      target: SET_ROLE_PATH,
      headers: [
        ['host', '127.0.0.1'],
        ['content-type', 'application/json'],
        ['connection', 'close'],
      ],
      body: Buffer.from(JSON.stringify({ targetUserId: clerkUser().id, role: 'trainer' })),
      ...overrides,
    })

    it('[slow/aborted] set-role: half a body, then the client closes', async () => {
      const errors = monitor.errors.length
      const request = setRoleRequest({
        headers: [...setRoleRequest().headers, [CALLER_HEADER, 'user_someone']],
      })
      await writeAndAbort(
        port,
        Buffer.concat([headerBytes(request, 100), request.body.subarray(0, 10)]),
      )
      await untilIdle(adapter)
      expectNoNewErrors(errors)
      const outcome = await rawExchange(port, encodeRequest(setRoleRequest()), {
        interrupt: monitor.next(),
      })
      expect(statusOf(outcome)).toBe(401)
    })

    // No caller: a well-formed request gets 401 from core. A hostile Host or request line must get
    // the same answer (core never builds the URL from Host), or the framework's own refusal.
    const hostile: Array<[string, Partial<RawRequest>, Record<string, number>]> = [
      [
        'Host: a b',
        {
          headers: [
            ['host', 'a b'],
            ['content-type', 'application/json'],
            ['connection', 'close'],
          ],
        },
        { Hono: 400 },
      ],
      [
        'Host: [::1',
        {
          headers: [
            ['host', '[::1'],
            ['content-type', 'application/json'],
            ['connection', 'close'],
          ],
        },
        { Hono: 400 },
      ],
      ['an absolute-form target', { target: `http://evil.example${SET_ROLE_PATH}` }, {}],
      [
        'the `*` target',
        { target: '*' },
        { Hono: 400, 'Express 4': 404, 'Express 5': 404, Fastify: 404 },
      ],
    ]
    for (const [label, overrides, exceptions] of hostile) {
      it(`[headers] set-role: ${label}`, async () => {
        const errors = monitor.errors.length
        const before = storeState(adapter.store)
        const outcome = await rawExchange(port, encodeRequest(setRoleRequest(overrides)), {
          interrupt: monitor.next(),
        })
        await settleEventLoop()
        expectNoNewErrors(errors)
        expect(statusOf(outcome)).toBe(exceptions[adapter.name] ?? 401)
        expect(storeState(adapter.store)).toBe(before)
        await expectStillServing(adapter)
      })
    }
  })
}

describe('Next App Router', () => {
  const adapter = started.adapters.find((a) => a.name === 'Next App Router') as TrustAdapter
  it('[headers] set-role: Host: a b and Host: [::1 on a fetch Request', async () => {
    for (const host of ['a b', '[::1']) {
      const outcome = await send(adapter, {
        method: 'POST',
        target: SET_ROLE_PATH,
        headers: [
          ['host', host],
          ['content-type', 'application/json'],
        ],
        body: Buffer.from(JSON.stringify({ targetUserId: 'user_x', role: 'trainer' })),
      })
      expect(statusOf(outcome)).toBe(401)
    }
  })
  it('[slow/aborted] a body over the cap that never ends: 413 without waiting for it', async () => {
    const before = storeState(adapter.store)
    const { request } = delivery(ctx, { body: userCreatedEvent(clerkUser()) })
    // A stream that yields more than the cap and then never finishes.
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ < MAX_BODY / 1024 + 2) controller.enqueue(new Uint8Array(1024).fill(120))
      },
    })
    const response = await adapter.webhook?.(
      new Request('http://localhost/api/webhooks', {
        method: 'POST',
        headers: request.headers.filter(([n]) => n !== 'host' && n !== 'connection'),
        body,
        duplex: 'half',
      } as RequestInit),
    )
    expect(response?.status).toBe(413)
    expect(storeState(adapter.store)).toBe(before)
  })
})
