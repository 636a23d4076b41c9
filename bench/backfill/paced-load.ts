/**
 * Webhook load at a fixed rate, in its own process: signed deliveries (`signWebhook` at send
 * time, bodies from bench/shared.ts's `eventSequence`: 70% `user.created`, 30% `user.updated`)
 * sent open-loop, one every 1/rate s whatever the answers, so a slow answer shows as latency
 * rather than as fewer requests. Warm-up first, uncounted (for `warmupSeconds`, or until the
 * parent sends `{ type: 'measure' }` when it is null); then it measures for `seconds`, or until
 * the parent sends `{ type: 'stop' }` when `seconds` is null. Answers over IPC.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { postDelivery } from '../post-delivery.js'
import { type Delivery, eventSequence, percentile } from '../shared.js'

export interface PacedLoadRequest {
  url: string
  secret: string
  ratePerSecond: number
  /** Null: until `{ type: 'measure' }` (the load warm when the measured phase starts). */
  warmupSeconds: number | null
  /** Null: until `{ type: 'stop' }`. */
  seconds: number | null
}

export interface PacedLoadResult {
  sent: number
  seconds: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  non2xx: number
  /** Answers by status (`error`: no answer: a timeout or a reset). */
  statuses: Record<string, number>
}

/** Deliveries are built this many at a time, as the run needs them. */
const BATCH = 1000

async function run(
  request: PacedLoadRequest,
  stopped: Promise<void>,
  measure: Promise<void>,
): Promise<PacedLoadResult> {
  const url = new URL(request.url)
  // Round-robin over a fixed set of keep-alive sockets, so none sits idle long enough for the
  // server to close it (Node's 5 s keep-alive timeout) just as a request reuses it: that race
  // would show as a reset the load generator caused, not the server.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16, scheduling: 'fifo' })
  const intervalMs = 1000 / request.ratePerSecond
  let deliveries: Delivery[] = []
  const next = () => {
    if (deliveries.length === 0) deliveries = eventSequence(BATCH, 0.7)
    return deliveries.shift()!
  }
  const pace = async (until: () => boolean, record: number[] | null) => {
    const statuses: string[] = []
    const inFlight = new Set<Promise<void>>()
    const started = performance.now()
    for (let index = 0; !until(); index++) {
      const due = started + index * intervalMs
      const wait = due - performance.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      if (until()) break
      const sentAt = performance.now()
      const answer = postDelivery(agent, url, request.secret, next()).then((status) => {
        record?.push(performance.now() - sentAt)
        statuses.push(status)
        inFlight.delete(answer)
      })
      inFlight.add(answer)
    }
    await Promise.all(inFlight)
    return { statuses, seconds: (performance.now() - started) / 1000 }
  }
  let measuring = false
  void measure.then(() => {
    measuring = true
  })
  const warmupEnd =
    request.warmupSeconds === null
      ? Number.POSITIVE_INFINITY
      : performance.now() + request.warmupSeconds * 1000
  await pace(() => measuring || performance.now() >= warmupEnd, null)
  let stop = false
  void stopped.then(() => {
    stop = true
  })
  const end =
    request.seconds === null ? Number.POSITIVE_INFINITY : performance.now() + request.seconds * 1000
  const latencies: number[] = []
  const { statuses, seconds } = await pace(() => stop || performance.now() >= end, latencies)
  agent.destroy()
  const sorted = latencies.sort((a, b) => a - b)
  return {
    sent: latencies.length,
    seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    non2xx: statuses.filter((status) => !/^2\d\d$/.test(status)).length,
    statuses: Object.fromEntries(
      [...new Set(statuses)].map((status) => [status, statuses.filter((s) => s === status).length]),
    ),
  }
}

let stopRequested: () => void = () => {}
const stopped = new Promise<void>((resolve) => {
  stopRequested = resolve
})
let measureRequested: () => void = () => {}
const measure = new Promise<void>((resolve) => {
  measureRequested = resolve
})
process.on('message', (message) => {
  const typed = message as { type?: string; request?: PacedLoadRequest }
  if (typed.type === 'stop') stopRequested()
  else if (typed.type === 'measure') measureRequested()
  else if (typed.type === 'start' && typed.request)
    run(typed.request, stopped, measure).then(
      (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
      (error) => {
        console.error(error)
        process.exit(1)
      },
    )
})
process.on('disconnect', () => process.exit(0))
