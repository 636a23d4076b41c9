import type { AddressInfo } from 'node:net'
import { createClerkClient } from '@clerk/backend'
import { clerkMiddleware } from '@clerk/express'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import express4 from 'express4'
import express5 from 'express5'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../../test-support/capture-logger.js'
import { postChunked } from '../../../test-support/http.js'
import {
  ALLOWED_ORIGIN,
  type SetRoleScenario,
  startSetRoleScenario,
} from '../../../test-support/set-role-scenario.js'
import { clerkSyncWebhook, setRoleHandler } from '../src/index.js'

/** Real Express servers on ephemeral ports, real signed requests over HTTP, Express 4 and 5. */
const versions = [
  ['Express 4', express4],
  ['Express 5', express5],
] as const

for (const [name, express] of versions) {
  describe(`@clerk-sync/express on ${name}`, () => {
    const secret = generateSigningSecret()
    const { lines, logger } = captureLogger()
    const store = new MemoryStore()
    const sync = createClerkSync({ signingSecret: secret, store, logger, maxBodyBytes: 4096 })
    const servers: Array<{ close(cb: () => void): void; closeAllConnections?(): void }> = []

    async function serve(setup: (app: ReturnType<typeof express>) => void): Promise<string> {
      const app = express()
      setup(app)
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s))
      })
      servers.push(server)
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
    afterAll(async () => {
      for (const s of servers) {
        s.closeAllConnections?.()
        await new Promise<void>((resolve) => s.close(() => resolve()))
      }
    })

    let plain: string
    let jsonFirst: string
    let rawFirst: string
    beforeAll(async () => {
      plain = await serve((app) => app.post('/api/webhooks', clerkSyncWebhook(sync)))
      // The commonest mistake: express.json() mounted globally, before the webhook route.
      jsonFirst = await serve((app) => {
        app.use(express.json())
        app.post('/api/webhooks', clerkSyncWebhook(sync))
      })
      rawFirst = await serve((app) =>
        app.post(
          '/api/webhooks',
          express.raw({ type: 'application/json' }),
          clerkSyncWebhook(sync),
        ),
      )
    })

    const send = (base: string, body: string, headers: Record<string, string>) =>
      fetch(`${base}/api/webhooks`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      })

    it('applies a signed delivery, answers a retry as duplicate and a forged one 400', async () => {
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const signed = signWebhook({ secret, body })
      const first = await send(plain, body, signed)
      expect(first.status).toBe(200)
      expect(await first.json()).toMatchObject({ outcome: 'applied' })
      const again = await send(plain, body, signWebhook({ secret, body, id: signed['svix-id'] }))
      expect(await again.json()).toMatchObject({ outcome: 'duplicate' })
      expect(
        (await send(plain, body, signWebhook({ secret: generateSigningSecret(), body }))).status,
      ).toBe(400)
      expect(await store.getUser(user.id)).not.toBeNull()
    })

    it('works after express.raw(), with the exact bytes', async () => {
      const user = clerkUser({ firstName: 'Zoë' })
      const body = JSON.stringify(userCreatedEvent(user), null, 2)
      const response = await send(rawFirst, body, signWebhook({ secret, body }))
      expect(response.status).toBe(200)
      expect((await store.getUser(user.id))?.firstName).toBe('Zoë')
    })

    it('answers 500 naming the fix when express.json() consumed the body, and never re-serialises it', async () => {
      lines.length = 0
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const response = await send(jsonFirst, body, signWebhook({ secret, body }))
      expect(response.status).toBe(500)
      const answer = await response.json()
      expect(answer).toMatchObject({ outcome: 'failed', code: 'BODY_ALREADY_PARSED' })
      expect(answer.message).toMatch(/before express\.json\(\).*express\.raw/)
      // Express's fix only: advice for other frameworks would hide it.
      expect(answer.message).not.toMatch(/Next\.js|Hono|Fastify|bodyParser/)
      expect(await store.getUser(user.id)).toBeNull()
      expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1)
    })

    it('still reads the stream when express.json() skipped a request of another content type', async () => {
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const response = await fetch(`${jsonFirst}/api/webhooks`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain', ...signWebhook({ secret, body }) },
      })
      expect(response.status).toBe(200)
    })

    it('answers 413 over the cap, with a Content-Length and when chunked', async () => {
      const big = 'x'.repeat(10_000)
      expect((await send(plain, big, signWebhook({ secret, body: big }))).status).toBe(413)
      const chunks = Array.from({ length: 10 }, () => 'y'.repeat(1000))
      const status = await postChunked(
        `${plain}/api/webhooks`,
        signWebhook({ secret, body: big }),
        chunks,
      )
      expect(status).toBe(413)
    })

    it('reassembles a valid chunked body', async () => {
      const user = clerkUser()
      const body = JSON.stringify(userCreatedEvent(user))
      const chunks = Array.from({ length: Math.ceil(body.length / 100) }, (_, i) =>
        body.slice(i * 100, i * 100 + 100),
      )
      const status = await postChunked(
        `${plain}/api/webhooks`,
        { 'content-type': 'application/json', ...signWebhook({ secret, body }) },
        chunks,
      )
      expect(status).toBe(200)
      expect(await store.getUser(user.id)).not.toBeNull()
    })

    it('mounts the set-role endpoint with a custom authenticate, even behind express.json()', async () => {
      const clerk = await startClerkEmulator()
      try {
        const api = createClerkClient({
          apiUrl: clerk.apiUrl,
          secretKey: clerk.secretKey,
          telemetry: { disabled: true },
        })
        const admin = (
          await api.users.createUser({
            emailAddress: ['admin@example.com'],
            publicMetadata: { role: 'admin' },
          })
        ).id
        const target = (await api.users.createUser({ emailAddress: ['t@example.com'] })).id
        const roleManager = createRoleManager({ clerk: api, store })
        const base = await serve((app) => {
          app.use(express.json())
          app.post(
            '/api/admin/set-role',
            setRoleHandler(roleManager, {
              authenticate: (req) => (req.headers['x-user'] as string) ?? null,
            }),
          )
        })
        const call = (user: string | undefined) =>
          fetch(`${base}/api/admin/set-role`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(user ? { 'x-user': user } : {}) },
            body: JSON.stringify({ targetUserId: target, role: 'trainer' }),
          })
        expect((await call(undefined)).status).toBe(401)
        const ok = await call(admin)
        expect(ok.status).toBe(200)
        expect(await ok.json()).toMatchObject({
          success: true,
          message: 'User role updated to trainer',
        })
        expect(clerk.user(target)?.public_metadata.role).toBe('trainer')
      } finally {
        await clerk.close()
      }
    })

    describe('set-role with the default getAuth(req) behind clerkMiddleware(), emulator session tokens', () => {
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
        // Session tokens are checked against the emulator's JWKS, fetched by @clerk/express.
        base = await serve((app) => {
          app.use(
            clerkMiddleware({
              clerkClient: scenario.api,
              secretKey: clerk.secretKey,
              publishableKey: clerk.publishableKey,
            }),
          )
          app.use(express.json())
          app.post('/api/admin/set-role', handler)
        })
        bare = await serve((app) => app.post('/api/admin/set-role', handler))
      })
      afterAll(() => scenario.clerk.close())

      const call = (url: string, token?: string) =>
        fetch(`${url}/api/admin/set-role`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: scenario.body,
        })

      it("answers 401 without a session, with an expired one, a forged one, or another origin's", async () => {
        for (const token of scenario.refusedTokens()) {
          expect((await call(base, token)).status).toBe(401)
        }
        expect(scenario.targetRole()).toBeUndefined()
      })

      it('answers 403 to a non-admin and 200 to an admin, whose change reaches Clerk and the store', async () => {
        expect((await call(base, scenario.memberToken())).status).toBe(403)
        expect((await call(base, scenario.adminToken())).status).toBe(200)
        expect(scenario.targetRole()).toBe('trainer')
        expect((await store.getUser(scenario.target))?.role).toBe('trainer')
      })

      it("answers 500 and logs Clerk's message when clerkMiddleware() is not mounted", async () => {
        lines.length = 0
        const response = await call(bare, scenario.adminToken())
        expect(response.status).toBe(500)
        expect(await response.json()).toMatchObject({ error: { code: 'internal_error' } })
        expect(lines).toEqual([
          expect.stringMatching(
            /^error Set-role could not authenticate the caller: .*clerkMiddleware/,
          ),
        ])
      })
    })
  })
}
