import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type { ClerkClientLike, ClerkSync, Logger, RoleManager } from '@clerk-sync/core'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import * as expressAdapter from '@clerk-sync/express'
import * as fastifyAdapter from '@clerk-sync/fastify'
import * as honoAdapter from '@clerk-sync/hono'
import * as nextAdapter from '@clerk-sync/next'
import { listenOnLoopback } from '../http.js'

// The frameworks are the adapters' dev dependencies, not the root's: load them from there.
const fromAdapter = (name: string) =>
  createRequire(new URL(`../../packages/adapter-${name}/package.json`, import.meta.url))
const expressRequire = fromAdapter('express')
const honoRequire = fromAdapter('hono')
type ExpressFactory = typeof import('express')

export const WEBHOOK_PATH = '/api/webhooks'
export const SET_ROLE_PATH = '/api/admin/set-role'
/** The set-role routes here take the caller from this header, so no route needs Clerk's SDK. */
export const CALLER_HEADER = 'x-test-caller'

export interface TrustAdapter {
  name: string
  /** Node adapters listen on a port (raw sockets reach them); fetch ones are called with Requests. */
  port?: number
  webhook?: (request: Request) => Promise<Response>
  setRole?: (request: Request) => Promise<Response>
  /** Whether a set-role route is mounted (the Pages Router has none in @clerk-sync/next). */
  hasSetRole: boolean
  store: MemoryStore
  sync: ClerkSync<string>
  /** Node adapters: connections the server still holds open. */
  openConnections?: () => Promise<number>
}

export interface AdapterOptions {
  secret: string
  clerk: ClerkClientLike
  maxBodyBytes?: number
  logger: Logger
  /** Default: a fresh MemoryStore per adapter. */
  makeStore?: () => MemoryStore
}

interface Built {
  adapter: TrustAdapter
  close(): Promise<void>
}

function parts(options: AdapterOptions) {
  const store = options.makeStore?.() ?? new MemoryStore()
  const sync = createClerkSync({
    signingSecret: options.secret,
    store,
    logger: options.logger,
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  })
  const roleManager: RoleManager<string> = createRoleManager({ clerk: options.clerk, sync })
  return { store, sync, roleManager }
}

const header = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value) ?? null

const connectionsOf = (server: Server) => () =>
  new Promise<number>((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  )

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

async function express(name: string, alias: string, options: AdapterOptions): Promise<Built> {
  const make = expressRequire(alias) as ExpressFactory
  const { store, sync, roleManager } = parts(options)
  const app = make()
  app.post(WEBHOOK_PATH, expressAdapter.clerkSyncWebhook(sync))
  app.post(
    SET_ROLE_PATH,
    expressAdapter.setRoleHandler(roleManager, {
      authenticate: (req) => header(req.headers[CALLER_HEADER]),
      logger: options.logger,
    }),
  )
  const server = createServer(app)
  const port = await listenOnLoopback(server)
  return {
    adapter: { name, port, hasSetRole: true, store, sync, openConnections: connectionsOf(server) },
    close: () => closeServer(server),
  }
}

async function fastify(options: AdapterOptions): Promise<Built> {
  const Fastify = fromAdapter('fastify')('fastify') as typeof import('fastify').default
  const { store, sync, roleManager } = parts(options)
  const app = Fastify()
  await app.register(fastifyAdapter.clerkSyncWebhook(sync))
  app.post(
    SET_ROLE_PATH,
    fastifyAdapter.setRoleHandler(roleManager, {
      authenticate: (request) => header(request.headers[CALLER_HEADER]),
      logger: options.logger,
    }),
  )
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    adapter: {
      name: 'Fastify',
      port: (app.server.address() as AddressInfo).port,
      hasSetRole: true,
      store,
      sync,
      openConnections: connectionsOf(app.server),
    },
    close: () => app.close(),
  }
}

async function hono(options: AdapterOptions): Promise<Built> {
  const { Hono } = honoRequire('hono') as typeof import('hono')
  const { createAdaptorServer } = honoRequire('@hono/node-server') as {
    createAdaptorServer(options: {
      fetch: (request: Request) => Response | Promise<Response>
    }): Server
  }
  const { store, sync, roleManager } = parts(options)
  const app = new Hono().post(WEBHOOK_PATH, honoAdapter.clerkSyncWebhook(sync)).post(
    SET_ROLE_PATH,
    honoAdapter.setRoleHandler(roleManager, {
      authenticate: (c) => c.req.header(CALLER_HEADER) ?? null,
      logger: options.logger,
    }),
  )
  const server = createAdaptorServer({ fetch: app.fetch })
  const port = await listenOnLoopback(server)
  return {
    adapter: {
      name: 'Hono',
      port,
      hasSetRole: true,
      store,
      sync,
      openConnections: connectionsOf(server),
    },
    close: () => closeServer(server),
  }
}

/** The Pages Router handler on node:http, as Next runs an API route with bodyParser off. */
async function pagesRouter(options: AdapterOptions): Promise<Built> {
  const { store, sync } = parts(options)
  const handler = nextAdapter.pagesWebhookHandler(sync)
  // Next routes by path before the handler runs; this server sends every path to it.
  const server = createServer((req, res) => void handler(req, res))
  const port = await listenOnLoopback(server)
  return {
    adapter: {
      name: 'Next Pages Router',
      port,
      hasSetRole: false,
      store,
      sync,
      openConnections: connectionsOf(server),
    },
    close: () => closeServer(server),
  }
}

/** The App Router handlers, called with fetch Requests as Next calls them. */
async function appRouter(options: AdapterOptions): Promise<Built> {
  const { store, sync, roleManager } = parts(options)
  return {
    adapter: {
      name: 'Next App Router',
      webhook: nextAdapter.webhookHandler(sync),
      setRole: nextAdapter.setRoleHandler(roleManager, {
        authenticate: (request) => request.headers.get(CALLER_HEADER),
        logger: options.logger,
      }),
      hasSetRole: true,
      store,
      sync,
    },
    close: async () => undefined,
  }
}

/** Every adapter, each with its own MemoryStore, all verifying with `secret`. */
export async function startAdapters(
  options: AdapterOptions,
): Promise<{ adapters: TrustAdapter[]; close(): Promise<void> }> {
  const built = [
    await express('Express 4', 'express4', options),
    await express('Express 5', 'express5', options),
    await fastify(options),
    await hono(options),
    await pagesRouter(options),
    await appRouter(options),
  ]
  return {
    adapters: built.map((b) => b.adapter),
    close: async () => {
      for (const b of built) await b.close()
    },
  }
}
