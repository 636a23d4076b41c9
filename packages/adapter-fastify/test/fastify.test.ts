import type { AddressInfo } from 'node:net'
import { clerkPlugin } from '@clerk/fastify'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postChunked } from '../../../test-support/http.js'
import {
  ALLOWED_ORIGIN,
  type SetRoleScenario,
  startSetRoleScenario,
} from '../../../test-support/set-role-scenario.js'
import { clerkSyncWebhook, setRoleHandler } from '../src/index.js'

/** Real Fastify 5 servers on ephemeral ports, real signed requests over HTTP. */
const secret = generateSigningSecret()
const { lines, logger } = captureLogger()
const store = new MemoryStore()
const sync = createClerkSync({ signingSecret: secret, store, logger, maxBodyBytes: 4096 })
const apps: FastifyInstance[] = []

async function listen(setup: (app: FastifyInstance) => void | Promise<void>): Promise<string> {
  const app = Fastify()
  await setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  apps.push(app)
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}
afterAll(async () => {
  for (const app of apps) await app.close()
})

function signed(secretToUse = secret) {
  const user = clerkUser()
  const body = JSON.stringify(userCreatedEvent(user))
  return { user, body, headers: signWebhook({ secret: secretToUse, body }) }
}

describe('@clerk-sync/fastify: app.register(clerkSyncWebhook(sync))', () => {
  let base: string
  const send = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    })
  beforeAll(async () => {
    base = await listen(async (app) => {
      await app.register(clerkSyncWebhook(sync))
      await app.register(clerkSyncWebhook(sync, { path: '/clerk' }), { prefix: '/hooks' })
      // The rest of the app keeps Fastify's JSON parser.
      app.post('/echo', async (request) => ({ parsed: request.body }))
    })
  })

  it('applies a signed delivery, answers its retry as duplicate and a forged one 400', async () => {
    const { user, body, headers } = signed()
    const first = await send('/api/webhooks', body, headers)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    expect(await store.getUser(user.id)).not.toBeNull()
    expect(await (await send('/api/webhooks', body, headers)).json()).toMatchObject({
      outcome: 'duplicate',
    })
    const forged = signed(generateSigningSecret())
    expect((await send('/api/webhooks', forged.body, forged.headers)).status).toBe(400)
    expect(await store.getUser(forged.user.id)).toBeNull()
  })

  it('mounts under a prefix and path of choice, and leaves other routes their JSON parser', async () => {
    const { user, body, headers } = signed()
    expect((await send('/hooks/clerk', body, headers)).status).toBe(200)
    expect(await store.getUser(user.id)).not.toBeNull()
    const echo = await send('/echo', '{"a":1}', {})
    expect(await echo.json()).toEqual({ parsed: { a: 1 } })
  })

  it('verifies a delivery whatever its content type, and answers GET with 405', async () => {
    const { user, body, headers } = signed()
    const response = await fetch(`${base}/api/webhooks`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain', ...headers },
    })
    expect(response.status).toBe(200)
    expect(await store.getUser(user.id)).not.toBeNull()
    const get = await fetch(`${base}/api/webhooks`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
  })

  it('answers 413 over the cap, with a Content-Length and when chunked, and writes nothing', async () => {
    const big = 'x'.repeat(10_000)
    expect((await send('/api/webhooks', big, signWebhook({ secret, body: big }))).status).toBe(413)
    const chunks = Array.from({ length: 10 }, () => 'x'.repeat(1000))
    const status = await postChunked(
      `${base}/api/webhooks`,
      { 'content-type': 'application/json', ...signWebhook({ secret, body: big }) },
      chunks,
    )
    expect(status).toBe(413)
  })
})

describe('@clerk-sync/fastify: setRoleHandler with the default getAuth(request) behind clerkPlugin', () => {
  let scenario: SetRoleScenario
  let base: string
  let bare: string
  beforeAll(async () => {
    scenario = await startSetRoleScenario()
    const { clerk } = scenario
    const handler = setRoleHandler(createRoleManager({ clerk: scenario.api, store }), {
      authorizedParties: [ALLOWED_ORIGIN],
      logger,
    })
    // Session tokens are checked against the emulator's JWKS, fetched by @clerk/fastify.
    base = await listen(async (app) => {
      await app.register(clerkPlugin, {
        secretKey: clerk.secretKey,
        publishableKey: clerk.publishableKey,
        apiUrl: clerk.apiUrl,
      })
      app.post('/api/admin/set-role', handler)
    })
    bare = await listen((app) => {
      app.post('/api/admin/set-role', handler)
    })
  })
  afterAll(() => scenario.clerk.close())

  const call = (url: string, token?: string, init: { body?: string; type?: string } = {}) =>
    fetch(`${url}/api/admin/set-role`, {
      method: 'POST',
      headers: {
        'content-type': init.type ?? 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: init.body ?? scenario.body,
    })

  it("answers 401 without a session, with an expired one, a forged one, or another origin's", async () => {
    for (const token of scenario.refusedTokens()) {
      const response = await call(base, token)
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ error: { code: 'unauthenticated' } })
    }
    expect(scenario.targetRole()).toBeUndefined()
  })

  it("keeps core's rules: 415 for text/plain, 413 over 4 KiB, 400 for an unknown role", async () => {
    const token = scenario.adminToken()
    expect((await call(base, token, { type: 'text/plain', body: '{}' })).status).toBe(415)
    const big = JSON.stringify({
      targetUserId: scenario.target,
      role: 'trainer',
      pad: 'x'.repeat(5000),
    })
    expect((await call(base, token, { body: big })).status).toBe(413)
    const unknown = JSON.stringify({ targetUserId: scenario.target, role: 'owner' })
    expect((await call(base, token, { body: unknown })).status).toBe(400)
  })

  it('answers 403 to a non-admin and 200 to an admin, whose change reaches Clerk and the store', async () => {
    expect((await call(base, scenario.memberToken())).status).toBe(403)
    const ok = await call(base, scenario.adminToken())
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({
      success: true,
      user: { id: scenario.target, role: 'trainer' },
    })
    expect(scenario.targetRole()).toBe('trainer')
    expect((await store.getUser(scenario.target))?.role).toBe('trainer')
  })

  it("answers 500 and logs Clerk's message when clerkPlugin is not registered", async () => {
    lines.length = 0
    const response = await call(bare, scenario.adminToken())
    expect(response.status).toBe(500)
    expect(lines).toEqual([
      expect.stringMatching(/^error Set-role could not authenticate the caller: .*clerkPlugin/),
    ])
  })
})
