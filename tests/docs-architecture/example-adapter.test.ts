import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ClerkSync, createClerkSync } from '@clerk-sync/core'
import { answerNodeRequest } from '@clerk-sync/core/node'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { clerkSyncFetchWebhook, clerkSyncWebhook } from './example-adapter.js'
import { ExampleStore, emptyDatabase } from './example-store.js'

const secret = generateSigningSecret()
const servers: Server[] = []
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
})

function newSync(): ClerkSync<string> {
  return createClerkSync({
    store: new ExampleStore(emptyDatabase()),
    signingSecret: secret,
    logger: quiet,
  })
}

async function listen(server: Server): Promise<string> {
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
}

/** A signed `user.created` for a new user, as Clerk sends it. */
function delivery() {
  const user = clerkUser({ emails: ['ada@example.com'], role: 'admin' })
  const body = JSON.stringify(userCreatedEvent(user))
  const headers = { 'content-type': 'application/json', ...signWebhook({ secret, body }) }
  return { user, init: { method: 'POST', headers, body } }
}

describe('docs/architecture.md: the Node adapter example', () => {
  it('writes a signed delivery through the example store', async () => {
    const sync = newSync()
    const url = await listen(createServer(clerkSyncWebhook(sync)))
    const { user, init } = delivery()
    const response = await fetch(url, init)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ outcome: 'applied' })
    expect(await sync.store.getUser(user.id)).toMatchObject({ email: 'ada@example.com' })
    const again = await fetch(url, init)
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' })
  })

  it('refuses a body a JSON parser already read, with 500 BODY_ALREADY_PARSED', async () => {
    const sync = newSync()
    const webhook = clerkSyncWebhook(sync)
    // A framework's JSON body parser, run before the route: the signed bytes are gone.
    const url = await listen(
      createServer(async (req, res) => {
        let text = ''
        for await (const chunk of req) text += chunk
        Object.assign(req, { body: JSON.parse(text) })
        await webhook(req, res)
      }),
    )
    const { user, init } = delivery()
    const response = await fetch(url, init)
    expect(response.status).toBe(500)
    const answer = await response.json()
    expect(answer).toMatchObject({ outcome: 'failed', code: 'BODY_ALREADY_PARSED' })
    expect(answer.message).toContain('raw bytes')
    expect(await sync.store.getUser(user.id)).toBeNull()
  })
})

describe('docs/architecture.md: the fetch adapter example', () => {
  /** A fetch-style server over node:http; `readFirst` reads the Request before the route does. */
  function fetchServer(handler: (request: Request) => Promise<Response>, readFirst: boolean) {
    return createServer((req, res) => {
      void answerNodeRequest(
        req,
        res,
        { framework: undefined, parsedBody: 'refuse' },
        async (request) => {
          if (readFirst) await request.json()
          return handler(request)
        },
        () => {},
      )
    })
  }

  it('writes a signed delivery through the example store', async () => {
    const sync = newSync()
    const url = await listen(fetchServer(clerkSyncFetchWebhook(sync), false))
    const { user, init } = delivery()
    const response = await fetch(url, init)
    expect(await response.json()).toMatchObject({ outcome: 'applied' })
    expect(await sync.store.getUser(user.id)).toMatchObject({ role: 'admin' })
  })

  it('refuses a Request whose body was already read, naming the fetch fix', async () => {
    const sync = newSync()
    const url = await listen(fetchServer(clerkSyncFetchWebhook(sync), true))
    const { user, init } = delivery()
    const response = await fetch(url, init)
    expect(response.status).toBe(500)
    const answer = await response.json()
    expect(answer).toMatchObject({ code: 'BODY_ALREADY_PARSED' })
    expect(answer.message).toContain('request.clone()')
    expect(await sync.store.getUser(user.id)).toBeNull()
  })
})
