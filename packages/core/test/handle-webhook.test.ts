import { ErrorCode } from '@clerk-sync/core'
import { clerkUser, signedWebhookRequest, signWebhook, userCreatedEvent } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { setupSync } from './helpers.js'

function streamOf(chunks: Uint8Array[], pulled: { count: number }): ReadableStream<Uint8Array> {
  let i = 0
  return new ReadableStream({
    pull(controller) {
      if (i === chunks.length) return controller.close()
      pulled.count++
      controller.enqueue(chunks[i++]!)
    },
  })
}

describe('handleWebhook(Request): Response', () => {
  it('applies a signed request and answers JSON', async () => {
    const { sync, secret, store } = setupSync()
    const user = clerkUser()
    const response = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: userCreatedEvent(user), id: 'msg_req' }),
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/application\/json/)
    expect(await response.json()).toEqual({
      outcome: 'applied',
      message: `User ${user.id} created in database`,
      eventId: 'msg_req',
    })
    expect(await store.getUser(user.id)).not.toBeNull()
  })

  it('reassembles a body streamed in many chunks without a Content-Length', async () => {
    const { sync, secret, store } = setupSync()
    const body = JSON.stringify(userCreatedEvent(clerkUser({ firstName: 'Zoë Ærøskøbing' })))
    const bytes = new TextEncoder().encode(body)
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) =>
      bytes.subarray(i * 7, i * 7 + 7),
    )
    const request = new Request('http://localhost/api/webhooks', {
      method: 'POST',
      headers: signWebhook({ secret, body }),
      body: streamOf(chunks, { count: 0 }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' })
    const response = await sync.handleWebhook(request)
    expect(response.status).toBe(200)
    expect(store.snapshot().users.size).toBe(1)
  })

  it('stops reading a stream as soon as it passes maxBodyBytes', async () => {
    const { sync, secret, store } = setupSync({ maxBodyBytes: 4096 })
    const chunk = new Uint8Array(1024).fill(0x20)
    const pulled = { count: 0 }
    const request = new Request('http://localhost/api/webhooks', {
      method: 'POST',
      headers: signWebhook({ secret, body: 'x' }),
      body: streamOf(
        Array.from({ length: 1000 }, () => chunk),
        pulled,
      ),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' })
    const response = await sync.handleWebhook(request)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ code: ErrorCode.BODY_TOO_LARGE })
    expect(pulled.count).toBeLessThan(10)
    expect(store.snapshot().events.size).toBe(0)
  })

  it('answers 413 from a Content-Length over the cap without reading the body', async () => {
    const { sync, secret } = setupSync({ maxBodyBytes: 100 })
    const body = 'x'.repeat(500)
    const request = new Request('http://localhost/api/webhooks', {
      method: 'POST',
      headers: { ...signWebhook({ secret, body }), 'content-length': '500' },
      body,
    })
    const response = await sync.handleWebhook(request)
    expect(response.status).toBe(413)
    expect(request.bodyUsed).toBe(false)
  })

  it('answers 500 naming the fix when the body was already consumed', async () => {
    const { sync, secret, log } = setupSync()
    const request = signedWebhookRequest({ secret, body: userCreatedEvent(clerkUser()) })
    await request.json()
    const response = await sync.handleWebhook(request)
    expect(response.status).toBe(500)
    const body = await response.json()
    expect(body).toMatchObject({ outcome: 'failed', code: ErrorCode.BODY_ALREADY_PARSED })
    // A fetch Request: the fix for fetch-style handlers, not Express's or Next's Pages Router's.
    expect(body.message).toMatch(/request\.clone\(\)/)
    expect(body.message).not.toMatch(/express|bodyParser/i)
    expect(log.lines).toEqual([expect.objectContaining({ level: 'error' })])
  })

  it('refuses a parsed object handed to processWebhook instead of re-serialising it', async () => {
    const { sync, secret, store } = setupSync()
    const event = userCreatedEvent(clerkUser())
    const headers = signWebhook({ secret, body: JSON.stringify(event) })
    const result = await sync.processWebhook({ body: event as never, headers })
    expect(result).toMatchObject({
      status: 500,
      outcome: 'failed',
      code: ErrorCode.BODY_ALREADY_PARSED,
    })
    expect(result.message).toMatch(/raw bytes as received/)
    expect(store.snapshot().users.size).toBe(0)
  })

  it('accepts Headers, plain records with any casing, and [name, value] pairs', async () => {
    const { sync, secret } = setupSync()
    const body = JSON.stringify(userCreatedEvent(clerkUser()))
    const signed = signWebhook({ secret, body })
    const shouting = Object.fromEntries(
      Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]),
    )
    expect((await sync.processWebhook({ body, headers: new Headers(signed) })).outcome).toBe(
      'applied',
    )
    expect((await sync.processWebhook({ body, headers: shouting })).outcome).toBe('duplicate')
    expect((await sync.processWebhook({ body, headers: Object.entries(signed) })).outcome).toBe(
      'duplicate',
    )
    expect((await sync.processWebhook({ body: Buffer.from(body), headers: signed })).outcome).toBe(
      'duplicate',
    )
  })
})
