import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signedWebhookRequest,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { pagesWebhookHandler, setRoleHandler, webhookHandler } from '../src/index.js'

const secret = generateSigningSecret()
const { lines, logger } = captureLogger()
const store = new MemoryStore()
const sync = createClerkSync({ signingSecret: secret, store, logger, maxBodyBytes: 4096 })

describe('App Router: webhookHandler(sync), called with real Requests', () => {
  const POST = webhookHandler(sync)

  it('applies a signed delivery and refuses a forged one', async () => {
    const user = clerkUser()
    const ok = await POST(signedWebhookRequest({ secret, body: userCreatedEvent(user) }))
    expect(ok.status).toBe(200)
    expect(await store.getUser(user.id)).not.toBeNull()
    const forged = await POST(
      signedWebhookRequest({
        secret: generateSigningSecret(),
        body: userCreatedEvent(clerkUser()),
      }),
    )
    expect(forged.status).toBe(400)
  })
})

describe('Pages Router: pagesWebhookHandler(sync) on a real server', () => {
  let withParser: string
  let withoutParser: string
  const servers: Server[] = []

  // Next's default API body parser: reads the stream, sets req.body to the parsed JSON.
  async function nextBodyParser(req: IncomingMessage & { body?: unknown }) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  }
  const handler = pagesWebhookHandler(sync)
  async function listen(parse: boolean): Promise<string> {
    const server = createServer(async (req, res) => {
      if (parse) await nextBodyParser(req)
      await handler(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  beforeAll(async () => {
    withParser = await listen(true)
    withoutParser = await listen(false)
  })
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections()
      await new Promise((resolve) => s.close(resolve))
    }
  })

  const send = (base: string, body: string, headers: Record<string, string>) =>
    fetch(base, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    })

  it('applies a signed delivery when bodyParser is off', async () => {
    const user = clerkUser()
    const body = JSON.stringify(userCreatedEvent(user))
    const response = await send(withoutParser, body, signWebhook({ secret, body }))
    expect(response.status).toBe(200)
    expect(await store.getUser(user.id)).not.toBeNull()
  })

  it('answers 500 naming `export const config` when Next parsed the body, and writes nothing', async () => {
    lines.length = 0
    const user = clerkUser()
    const body = JSON.stringify(userCreatedEvent(user))
    const response = await send(withParser, body, signWebhook({ secret, body }))
    expect(response.status).toBe(500)
    const { message } = await response.json()
    expect(message).toContain('export const config = { api: { bodyParser: false } }')
    expect(message).not.toMatch(/express|Hono|Fastify/i)
    expect(await store.getUser(user.id)).toBeNull()
    expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1)
  })

  it('answers 413 over the cap and 405 for GET', async () => {
    const big = 'x'.repeat(10_000)
    expect((await send(withoutParser, big, signWebhook({ secret, body: big }))).status).toBe(413)
    const get = await fetch(withoutParser)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })
})

describe('App Router: setRoleHandler(roleManager) with a custom authenticate', () => {
  it('changes a role for an admin caller and refuses others', async () => {
    const clerk = await startClerkEmulator()
    try {
      const api = createClerkClient({
        apiUrl: clerk.apiUrl,
        secretKey: clerk.secretKey,
        telemetry: { disabled: true },
      })
      const admin = (
        await api.users.createUser({
          emailAddress: ['a@example.com'],
          publicMetadata: { role: 'admin' },
        })
      ).id
      const target = (await api.users.createUser({ emailAddress: ['t@example.com'] })).id
      const POST = setRoleHandler(createRoleManager({ clerk: api, store }), {
        authenticate: (request) => request.headers.get('x-user'),
      })
      const call = (user?: string) =>
        POST(
          new Request('http://localhost/api/admin/set-role', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(user ? { 'x-user': user } : {}) },
            body: JSON.stringify({ targetUserId: target, role: 'trainer' }),
          }),
        )
      expect((await call()).status).toBe(401)
      expect((await call(target)).status).toBe(403)
      const ok = await call(admin)
      expect(ok.status).toBe(200)
      expect(clerk.user(target)?.public_metadata.role).toBe('trainer')
    } finally {
      await clerk.close()
    }
  })
})
