/**
 * The front door the emulator delivers to: a TCP proxy that hands each connection to the next
 * server, round robin. Svix opens one connection per attempt, so a connection is a delivery. A
 * share of deliveries is cut: mid-body (headers and half the body reach the server, then the
 * connection is reset) or mid-response (the server answers, the sender gets half of it). Every
 * arrival is logged with its `svix-id`, in the order it reached the proxy.
 */
import { connect, createServer, type Socket } from 'node:net'
import { listenOnLoopback } from '../http.js'

export type Cut = 'mid-body' | 'mid-response'

export interface Arrival {
  /** Position in arrival order, from 0. */
  seq: number
  svixId: string | null
  /** Index of the server it went to. */
  backend: number
  cut: Cut | null
  /** The server could not be reached (killed, restarting): the sender saw a reset. */
  unreachable: boolean
}

export interface FrontProxyOptions {
  /** The servers' ports, in round-robin order. */
  backends: number[]
  /** Share of deliveries cut after half the body (0..1). */
  midBodyRate: number
  /** Share of deliveries whose answer is cut in half (0..1). */
  midResponseRate: number
  random: () => number
  /** How long a half-sent body is held before the reset, so the server is reading it. */
  holdMs?: number
}

export interface FrontProxy {
  readonly url: string
  arrivals(): Arrival[]
  readonly arrivalCount: number
  /** Deliveries now open to server `backend`: in flight. */
  openConnections(backend: number): number
  close(): Promise<void>
}

const HEADER_END = Buffer.from('\r\n\r\n')
/** A request head larger than this is not a Svix delivery: reset. */
const MAX_HEAD = 64 * 1024

function headerValue(head: string, name: string): string | null {
  const match = head.match(new RegExp(`^${name}:[ \\t]*(.*?)[ \\t]*$`, 'im'))
  return match?.[1] ?? null
}

export async function startFrontProxy(options: FrontProxyOptions): Promise<FrontProxy> {
  const { backends, midBodyRate, midResponseRate, random } = options
  const holdMs = options.holdMs ?? 25
  const log: Arrival[] = []
  const open = new Set<Socket>()
  const inFlight = backends.map(() => 0)
  let next = 0

  const server = createServer({ noDelay: true }, (client) => {
    open.add(client)
    client.on('close', () => open.delete(client))
    client.on('error', () => client.destroy())
    let buffered = Buffer.alloc(0)

    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const headEnd = buffered.indexOf(HEADER_END)
      if (headEnd === -1) {
        if (buffered.length > MAX_HEAD) client.resetAndDestroy()
        return
      }
      client.off('data', onData)
      client.pause()
      const head = buffered.subarray(0, headEnd).toString('latin1')
      const bodyStart = headEnd + HEADER_END.length
      const roll = random()
      const cut: Cut | null =
        roll < midBodyRate
          ? 'mid-body'
          : roll < midBodyRate + midResponseRate
            ? 'mid-response'
            : null
      const backend = next++ % backends.length
      const arrival: Arrival = {
        seq: log.length,
        svixId: headerValue(head, 'svix-id'),
        backend,
        cut,
        unreachable: false,
      }
      log.push(arrival)
      const upstream = connect({ port: backends[backend]!, host: '127.0.0.1', noDelay: true })
      let connected = false
      upstream.once('connect', () => {
        connected = true
      })
      open.add(upstream)
      inFlight[backend]!++
      upstream.on('close', () => {
        open.delete(upstream)
        inFlight[backend]!--
      })
      upstream.on('error', () => {
        if (!connected) arrival.unreachable = true
        client.resetAndDestroy()
        upstream.destroy()
      })
      client.on('close', () => upstream.destroy())

      if (cut === 'mid-body') {
        const length = Number(headerValue(head, 'content-length') ?? 0)
        const half = bodyStart + Math.floor(length / 2)
        const sendHalf = () => {
          upstream.write(buffered.subarray(0, Math.min(half, buffered.length)))
          setTimeout(() => {
            upstream.resetAndDestroy()
            client.resetAndDestroy()
          }, holdMs)
        }
        if (buffered.length >= half) {
          upstream.once('connect', sendHalf)
        } else {
          // The rest of the first half is still on its way: collect it, then send the half.
          const collect = (more: Buffer) => {
            buffered = Buffer.concat([buffered, more])
            if (buffered.length < half) return
            client.off('data', collect)
            client.pause()
            if (upstream.connecting) upstream.once('connect', sendHalf)
            else sendHalf()
          }
          client.on('data', collect)
          client.resume()
        }
        return
      }
      upstream.write(buffered)
      client.pipe(upstream)
      client.resume()
      if (cut === 'mid-response') {
        upstream.once('data', (answer: Buffer) => {
          client.write(answer.subarray(0, Math.max(1, Math.floor(answer.length / 2))))
          upstream.resetAndDestroy()
          client.resetAndDestroy()
        })
      } else {
        upstream.pipe(client)
      }
    }
    client.on('data', onData)
  })
  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals: () => log.map((entry) => ({ ...entry })),
    get arrivalCount() {
      return log.length
    },
    openConnections: (backend) => inFlight[backend] ?? 0,
    async close() {
      for (const socket of open) socket.destroy()
      open.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
