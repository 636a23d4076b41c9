import type { AddressInfo } from 'node:net'
import { clerkMiddleware } from '@clerk/hono'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { type ServerType, serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postChunked } from '../../../test-support/http.js'
import {
  ALLOWED_ORIGIN,
  type SetRoleScenario,
  startSetRoleScenario,
} from '../../../test-support/set-role-scenario.js'
import { clerkSyncWebhook, setRoleHandler } from '../src/index.js'

/** Real Hono apps on @hono/node-server, ephemeral ports, real signed requests over HTTP. */
const secret = generateSigningSecret()
const { lines, logger } = captureLogger()
const store = new MemoryStore()
const sync = createClerkSync({ signingSecret: secret, store, logger, maxBodyBytes: 4096 })
const servers: ServerType[] = []

async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
afterAll(async () => {
  for (const server of servers) {
    ;(server as { closeAllConnections?(): void }).closeAllConnections?.()
    await new Promise((resolve) => server.close(resolve))
  }
})

const send = (base: string, body: string, headers: Record<string, string>) =>
  fetch(`${base}/api/webhooks`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })

function signed(secretToUse = secret) {
  const user = clerkUser()
  const body = JSON.stringify(userCreatedEvent(user))
  return { user, body, headers: signWebhook({ secret: secretToUse, body }) }
}

describe('@clerk-sync/hono: clerkSyncWebhook(sync)', () => {
  let plain: string
  let readAsText: string
  let readAsJson: string
  let consumed: string
  beforeAll(async () => {
    plain = await listen(new Hono().post('/api/webhooks', clerkSyncWebhook(sync)))
    // A middleware that logs the body: as text (kept exact) and as JSON (not).
    readAsText = await listen(
      new Hono()
        .use(async (c, next) => {
          await c.req.text()
          await next()
        })
        .post('/api/webhooks', clerkSyncWebhook(sync)),
    )
    readAsJson = await listen(
      new Hono()
        .use(async (c, next) => {
          await c.req.json()
          await next()
        })
        .post('/api/webhooks', clerkSyncWebhook(sync)),
    )
    consumed = await listen(
      new Hono()
        .use(async (c, next) => {
          await c.req.raw.json() // around Hono's cache: nothing exact is left
          await next()
        })
        .post('/api/webhooks', clerkSyncWebhook(sync)),
    )
  })

  it('applies a signed delivery, answers its retry as duplicate and a forged one 400', async () => {
    const { user, body, headers } = signed()
    const first = await send(plain, body, headers)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    expect(await store.getUser(user.id)).not.toBeNull()
    expect(await (await send(plain, body, headers)).json()).toMatchObject({ outcome: 'duplicate' })
    const forged = signed(generateSigningSecret())
    expect((await send(plain, forged.body, forged.headers)).status).toBe(400)
    expect(await store.getUser(forged.user.id)).toBeNull()
  })

  it('uses the exact text Hono cached when a middleware read the body (c.req.text(), c.req.json())', async () => {
    for (const base of [readAsText, readAsJson]) {
      const { user, body, headers } = signed()
      expect((await send(base, body, headers)).status).toBe(200)
      expect(await store.getUser(user.id)).not.toBeNull()
    }
  })

  it('answers 500 naming the fix when a middleware consumed the raw body, and writes nothing', async () => {
    lines.length = 0
    const { user, body, headers } = signed()
    const response = await send(consumed, body, headers)
    expect(response.status).toBe(500)
    const answer = (await response.json()) as { code: string; message: string }
    expect(answer.code).toBe('BODY_ALREADY_PARSED')
    expect(answer.message).toContain('In Hono, read the body in no middleware before the route')
    expect(answer.message).not.toMatch(/express|bodyParser/i)
    expect(await store.getUser(user.id)).toBeNull()
    expect(lines.filter((line) => line.startsWith('error'))).toHaveLength(1)
  })

  it('answers 413 over the cap, with a Content-Length and when chunked', async () => {
    const big = 'x'.repeat(10_000)
    expect((await send(plain, big, signWebhook({ secret, body: big }))).status).toBe(413)
    const chunks = Array.from({ length: 10 }, () => 'x'.repeat(1000))
    const status = await postChunked(
      `${plain}/api/webhooks`,
      { 'content-type': 'application/json', ...signWebhook({ secret, body: big }) },
      chunks,
    )
    expect(status).toBe(413)
  })
})

describe('@clerk-sync/hono: setRoleHandler with the default getAuth(c) behind @clerk/hono', () => {
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
    // Session tokens are checked against the emulator's JWKS, fetched by @clerk/hono.
    base = await listen(
      new Hono()
        .use(
          clerkMiddleware({
            secretKey: clerk.secretKey,
            publishableKey: clerk.publishableKey,
            apiUrl: clerk.apiUrl,
          }),
        )
        // A body-reading middleware does not matter here: there is no signature to keep.
        .use(async (c, next) => {
          if (c.req.header('x-read-first')) await c.req.json()
          await next()
        })
        .post('/api/admin/set-role', handler),
    )
    bare = await listen(new Hono().post('/api/admin/set-role', handler))
  })
  afterAll(() => scenario.clerk.close())

  const call = (url: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/admin/set-role`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: scenario.body,
    })

  it("answers 401 without a session, with an expired one, a forged one, or another origin's", async () => {
    for (const token of scenario.refusedTokens()) {
      expect((await call(base, token)).status).toBe(401)
    }
    expect(scenario.targetRole()).toBeUndefined()
  })

  it('answers 403 to a non-admin and 200 to an admin, even after a middleware read the body', async () => {
    expect((await call(base, scenario.memberToken())).status).toBe(403)
    const ok = await call(base, scenario.adminToken(), { 'x-read-first': '1' })
    expect(ok.status).toBe(200)
    expect(scenario.targetRole()).toBe('trainer')
    expect((await store.getUser(scenario.target))?.role).toBe('trainer')
  })

  it("answers 500 and logs Clerk's message when clerkMiddleware() is not mounted", async () => {
    lines.length = 0
    const response = await call(bare, scenario.adminToken())
    expect(response.status).toBe(500)
    expect(lines).toEqual([
      expect.stringMatching(/^error Set-role could not authenticate the caller: .*clerkMiddleware/),
    ])
  })
})
