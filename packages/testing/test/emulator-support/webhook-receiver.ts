import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ClerkSync, createClerkSync, MemoryStore, silentLogger } from '@clerk-sync/core'

/** What arrived, before the app saw it. */
export interface Arrival {
  svixId: string
  svixTimestamp: string
  svixSignature: string
  userAgent: string
  body: string
  /** What the receiver answered (the fault's status, or clerk-sync's). */
  status: number
  /** clerk-sync's outcome (`applied`, `duplicate`, `stale`…), when it answered. */
  outcome: string | null
  at: number
}

/** Decide per request: a status to answer instead of the app, `hang`, or undefined to pass on. */
export type Fault = (arrival: { svixId: string; index: number }) => number | 'hang' | undefined

export interface Receiver {
  url: string
  store: MemoryStore
  sync: ClerkSync<string>
  arrivals: Arrival[]
  /** Most requests the app was handling at once. */
  maxInFlight: number
  fault: Fault | undefined
  /** Delay before the app handles each request, to make overlap visible. */
  delayMs: number
  close(): Promise<void>
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name]
  return Array.isArray(value) ? value.join(', ') : (value ?? '')
}

/**
 * A real app on a real port: node:http with clerk-sync's `handleWebhook` and a MemoryStore, as in
 * examples/node-http, plus a fault hook so tests can make it fail, hang or answer slowly.
 */
export async function startReceiver(
  secret: string,
  options: { fault?: Fault } = {},
): Promise<Receiver> {
  const store = new MemoryStore()
  const sync = createClerkSync({ signingSecret: secret, store, logger: silentLogger })
  let inFlight = 0
  let server: Server | undefined
  const receiver: Receiver = {
    url: '',
    store,
    sync,
    arrivals: [],
    maxInFlight: 0,
    fault: options.fault,
    delayMs: 0,
    async close() {
      server?.closeAllConnections()
      await new Promise((resolve) => server?.close(resolve))
    },
  }
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const svixId = header(req.headers, 'svix-id')
    const index = receiver.arrivals.filter((a) => a.svixId === svixId).length
    const arrival: Arrival = {
      svixId,
      svixTimestamp: header(req.headers, 'svix-timestamp'),
      svixSignature: header(req.headers, 'svix-signature'),
      userAgent: header(req.headers, 'user-agent'),
      body,
      status: 0,
      outcome: null,
      at: Date.now(),
    }
    receiver.arrivals.push(arrival)
    const fault = receiver.fault?.({ svixId, index })
    if (fault === 'hang') return // never answers; the sender's timeout ends it
    if (typeof fault === 'number') {
      arrival.status = fault
      res.writeHead(fault, fault >= 300 && fault < 400 ? { location: '/elsewhere' } : {}).end()
      return
    }
    inFlight++
    receiver.maxInFlight = Math.max(receiver.maxInFlight, inFlight)
    try {
      if (receiver.delayMs) await new Promise((resolve) => setTimeout(resolve, receiver.delayMs))
      const response = await sync.handleWebhook(
        new Request(`http://127.0.0.1${req.url}`, {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body,
        }),
      )
      const text = await response.text()
      arrival.status = response.status
      arrival.outcome = (JSON.parse(text) as { outcome?: string }).outcome ?? null
      res.writeHead(response.status, { 'content-type': 'application/json' }).end(text)
    } finally {
      inFlight--
    }
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks`
  return receiver
}

/** A loopback URL where nothing listens: a port taken from the OS, then released. */
export async function refusedUrl(): Promise<string> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return `http://127.0.0.1:${port}/api/webhooks`
}
