/**
 * The Hono adapter and the Next.js App Router route under Bun, from the built packages (dist) as
 * npm ships them: real Bun.serve HTTP servers, payloads signed with the testing kit, a
 * MemoryStore. Run by scripts/node-majors.ts (`bun test ./tests/bun/`); vitest never picks it up
 * (it includes *.test.ts only).
 *
 * The Next route is `webhookHandler(sync)`: a fetch `(Request) => Promise<Response>`, which is
 * what a route handler is on both of Next's runtimes. For the Edge runtime the import graph of
 * `@clerk-sync/next` must also hold no Node built-in; Bun.build walks it to prove that.
 */
import { afterAll, describe, expect, it } from 'bun:test'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClerkSync, MemoryStore } from '@clerk-sync/core'
import { clerkSyncWebhook } from '@clerk-sync/hono'
import { webhookHandler } from '@clerk-sync/next'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// Hono is the adapter's dependency, not the workspace root's: resolved from the adapter.
const { Hono } = (await import(
  Bun.resolveSync('hono', join(root, 'packages/adapter-hono'))
)) as typeof import('hono')

const servers: { stop(force?: boolean): void }[] = []
afterAll(() => {
  for (const server of servers) server.stop(true)
})

function listen(fetch: (request: Request) => Response | Promise<Response>): string {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch })
  servers.push(server)
  return `http://127.0.0.1:${server.port}/api/webhooks`
}

/** One app's store and secret, and a sender of signed deliveries to its URL. */
function setup() {
  const secret = generateSigningSecret()
  const store = new MemoryStore()
  const sync = createClerkSync({ signingSecret: secret, store, logger: silent })
  const post = (url: string, event: object, secretToUse = secret) => {
    const body = JSON.stringify(event)
    return fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ secret: secretToUse, body }),
      },
    })
  }
  return { secret, store, sync, post }
}

const silent = { debug() {}, info() {}, warn() {}, error() {} }

/** The same lifecycle for both adapters: create, retry, update, forged, delete. */
async function lifecycle(url: string, app: ReturnType<typeof setup>) {
  const { store, post } = app
  const user = clerkUser({ firstName: 'Ada', role: 'admin' })

  const created = await post(url, userCreatedEvent(user))
  expect(created.status).toBe(200)
  expect(await created.json()).toMatchObject({ outcome: 'applied' })
  expect(await store.getUser(user.id)).toMatchObject({
    id: user.id,
    email: user.email_addresses[0]?.email_address,
    firstName: 'Ada',
    role: 'admin',
  })

  const retried = await post(url, userCreatedEvent(user))
  expect(retried.status).toBe(200)

  const renamed = { ...user, first_name: 'Grace', updated_at: user.updated_at + 1000 }
  const updated = await post(url, userUpdatedEvent(renamed))
  expect(updated.status).toBe(200)
  expect((await store.getUser(user.id))?.firstName).toBe('Grace')

  const stranger = clerkUser()
  const forged = await post(url, userCreatedEvent(stranger), generateSigningSecret())
  expect(forged.status).toBe(400)
  expect(await store.getUser(stranger.id)).toBeNull()

  const deleted = await post(url, userDeletedEvent(user.id))
  expect(deleted.status).toBe(200)
  expect(await store.getUser(user.id)).toBeNull()
}

describe(`@clerk-sync/hono on Bun ${Bun.version}, served by Bun.serve`, () => {
  it('applies signed deliveries and refuses a forged one', async () => {
    const app = setup()
    const hono = new Hono().post('/api/webhooks', clerkSyncWebhook(app.sync))
    await lifecycle(listen(hono.fetch), app)
  })

  it('answers a retry of the same delivery (same svix-id and bytes) as a duplicate', async () => {
    const app = setup()
    const url = listen(new Hono().post('/api/webhooks', clerkSyncWebhook(app.sync)).fetch)
    const body = JSON.stringify(userCreatedEvent(clerkUser()))
    // The same signed bytes and headers twice, as Clerk retries a delivery.
    const signed = {
      'content-type': 'application/json',
      ...signWebhook({ secret: app.secret, body }),
    }
    const first = await fetch(url, { method: 'POST', body, headers: signed })
    expect(await first.json()).toMatchObject({ outcome: 'applied' })
    const again = await fetch(url, { method: 'POST', body, headers: signed })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ outcome: 'duplicate' })
  })

  it('uses the exact text Hono cached when a middleware read the body first', async () => {
    const app = setup()
    const hono = new Hono()
      .use(async (c, next) => {
        await c.req.json()
        await next()
      })
      .post('/api/webhooks', clerkSyncWebhook(app.sync))
    const user = clerkUser()
    expect((await app.post(listen(hono.fetch), userCreatedEvent(user))).status).toBe(200)
    expect(await app.store.getUser(user.id)).not.toBeNull()
  })
})

describe(`@clerk-sync/next webhookHandler on Bun ${Bun.version}`, () => {
  it('applies signed deliveries over HTTP (a route handler is a fetch handler)', async () => {
    const app = setup()
    const POST = webhookHandler(app.sync)
    await lifecycle(listen(POST), app)
  })

  it('answers Requests built in-process, as the Edge runtime passes them', async () => {
    const app = setup()
    const POST = webhookHandler(app.sync)
    const user = clerkUser()
    const body = JSON.stringify(userCreatedEvent(user))
    const request = new Request('https://app.example/api/webhooks', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signWebhook({ secret: app.secret, body }) },
    })
    const response = await POST(request)
    expect(response.status).toBe(200)
    expect(await app.store.getUser(user.id)).not.toBeNull()
  })

  it('imports no Node built-in from its entry down (the Edge runtime has none)', async () => {
    const builtins: string[] = []
    const entry = Bun.resolveSync('@clerk-sync/next', import.meta.dir)
    expect(entry).toEndWith(join('adapter-next', 'dist', 'index.js'))
    const result = await Bun.build({
      entrypoints: [entry],
      target: 'browser',
      // Loaded only by setRoleHandler's default, and only when the app has it.
      external: ['@clerk/nextjs/server'],
      plugins: [
        {
          name: 'record-node-builtins',
          setup(build) {
            build.onResolve({ filter: /.*/ }, (args) => {
              if (args.path.startsWith('node:') || nodeBuiltins.has(args.path.split('/')[0]!)) {
                builtins.push(`${args.path} (from ${args.importer.replace(`${root}/`, '')})`)
                return { path: args.path, external: true }
              }
              return undefined
            })
          },
        },
      ],
    })
    expect(result.logs.filter((log) => log.level === 'error')).toEqual([])
    expect(result.success).toBe(true)
    expect(builtins).toEqual([])
  })
})

const nodeBuiltins = new Set(
  (await import('node:module')).builtinModules.filter((name) => !name.startsWith('_')),
)
