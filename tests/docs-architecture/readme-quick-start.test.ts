import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerNodeRequest } from '@clerk-sync/core/node'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

/** The README's quick start, mounted as a route handler is, answering real signed deliveries. */
describe("the root README's quick start", () => {
  const secret = generateSigningSecret()
  let server: Server
  let url: string
  let quickStart: typeof import('./readme-quick-start.js')

  beforeAll(async () => {
    vi.stubEnv('CLERK_WEBHOOK_SIGNING_SECRET', secret)
    quickStart = await import('./readme-quick-start.js')
    server = createServer((req, res) => {
      void answerNodeRequest(
        req,
        res,
        { framework: undefined, parsedBody: 'refuse' },
        quickStart.POST,
        () => {},
      )
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
  })

  afterAll(() => {
    vi.unstubAllEnvs()
    server?.closeAllConnections()
    server?.close()
  })

  it('syncs a user from a signed user.created and refuses a forged one', async () => {
    const user = clerkUser({ emails: ['grace@example.com'] })
    const body = JSON.stringify(userCreatedEvent(user))
    const signed = signWebhook({ secret, body })
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      })

    const forged = await post({ ...signed, 'svix-signature': `v1,${'A'.repeat(44)}` })
    expect(forged.status).toBe(400)
    expect(await quickStart.sync.store.getUser(user.id)).toBeNull()

    const response = await post(signed)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'applied' })
    expect(await quickStart.sync.store.getUser(user.id)).toMatchObject({
      email: 'grace@example.com',
      role: expect.any(String),
    })
  })
})
