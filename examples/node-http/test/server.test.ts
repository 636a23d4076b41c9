import type { AddressInfo } from 'node:net'
import { createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWebhookServer } from '../src/server.js'

describe('node:http example over real HTTP', () => {
  const secret = generateSigningSecret()
  const store = new MemoryStore()
  const sync = createClerkSync({
    signingSecret: secret,
    store,
    logger: silentLogger,
    maxBodyBytes: 64 * 1024,
  })
  const server = createWebhookServer(sync)
  let url: string

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  function post(body: string, headers: Record<string, string>) {
    return fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    })
  }

  it('creates, deduplicates and deletes a user', async () => {
    const user = clerkUser({ emails: ['http@example.com'] })
    const body = JSON.stringify(userCreatedEvent(user))
    const headers = signWebhook({ secret, body })
    const first = await post(body, headers)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    const again = await post(body, signWebhook({ secret, body, id: headers['svix-id'] }))
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' })
    expect((await store.getUser(user.id))?.email).toBe('http@example.com')

    const del = JSON.stringify(userDeletedEvent(user.id))
    expect((await post(del, signWebhook({ secret, body: del }))).status).toBe(200)
    expect(await store.getUser(user.id)).toBeNull()
  })

  it('answers 400 to a bad signature and 405 to GET', async () => {
    const body = JSON.stringify(userCreatedEvent(clerkUser()))
    const bad = await post(body, signWebhook({ secret: generateSigningSecret(), body }))
    expect(bad.status).toBe(400)
    const get = await fetch(url)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('answers 404 on any other path and writes nothing', async () => {
    const user = clerkUser()
    const body = JSON.stringify(userCreatedEvent(user))
    const response = await fetch(url.replace('/api/webhooks', '/api/other'), {
      method: 'POST',
      body,
      headers: signWebhook({ secret, body }),
    })
    expect(response.status).toBe(404)
    expect(await store.getUser(user.id)).toBeNull()
  })

  it('answers 400 when svix-signature arrives twice (Node merges the two values)', async () => {
    const { request } = await import('node:http')
    const body = JSON.stringify(userCreatedEvent(clerkUser()))
    const signed = signWebhook({ secret, body })
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      // Raw header lines, sent twice as a proxy might: a good signature and a forged one.
      req.setHeader('svix-id', signed['svix-id'])
      req.setHeader('svix-timestamp', signed['svix-timestamp'])
      req.setHeader('svix-signature', [
        signed['svix-signature'],
        'v1,forgedforgedforgedforgedforgedforgedforge=',
      ])
      req.end(body)
    })
    expect(status).toBe(400)
  })

  it('answers 413 to a chunked body over the cap', async () => {
    const big = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 200; i++) controller.enqueue(new Uint8Array(1024).fill(0x41))
        controller.close()
      },
    })
    const response = await fetch(url, {
      method: 'POST',
      body: big,
      headers: signWebhook({ secret, body: 'x' }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' })
    expect(response.status).toBe(413)
  })
})
