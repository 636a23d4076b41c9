/**
 * A TCP proxy between the servers and the database that can cut the database off: `outage(ms)`
 * resets every open connection and refuses new ones until the time is up, as a database restart
 * or a network partition does. Loopback only.
 */
import { createServer, Socket } from 'node:net'
import { listenOnLoopback } from '../http.js'

export interface FaultProxy {
  readonly host: '127.0.0.1'
  readonly port: number
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number
  /** Drops every connection and refuses new ones for `ms`; resolves when the database is back. */
  outage(ms: number): Promise<OutageRecord>
  readonly outages: readonly OutageRecord[]
  close(): Promise<void>
}

export interface OutageRecord {
  durationMs: number
  /** Connections open when it began, each reset. */
  dropped: number
  /** Connection attempts refused while it lasted. */
  refused: number
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  // Each proxied connection as its two sockets.
  const open = new Set<[Socket, Socket]>()
  const outages: OutageRecord[] = []
  let current: OutageRecord | null = null
  let accepted = 0

  const server = createServer({ noDelay: true }, (client) => {
    accepted++
    if (current) {
      current.refused++
      client.resetAndDestroy()
      return
    }
    const upstream = new Socket()
    const pair: [Socket, Socket] = [client, upstream]
    open.add(pair)
    const finish = () => {
      open.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', finish)
    upstream.on('error', finish)
    client.on('close', finish)
    upstream.on('close', finish)
    upstream.connect(target.port, target.host)
    upstream.setNoDelay(true)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  const port = await listenOnLoopback(server)

  return {
    host: '127.0.0.1',
    port,
    get accepted() {
      return accepted
    },
    get outages() {
      return outages
    },
    async outage(ms) {
      if (current) throw new Error('an outage is already running')
      const record: OutageRecord = { durationMs: ms, dropped: 0, refused: 0 }
      current = record
      outages.push(record)
      // A reset, not a polite FIN: the peer learns at once, as when a database host goes away.
      for (const [client, upstream] of [...open]) {
        record.dropped++
        client.resetAndDestroy()
        upstream.resetAndDestroy()
      }
      open.clear()
      await new Promise((resolve) => setTimeout(resolve, ms))
      current = null
      return record
    },
    async close() {
      for (const [client, upstream] of open) {
        client.destroy()
        upstream.destroy()
      }
      open.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
