/**
 * The load generator, in its own process: `concurrency` workers send signed deliveries (signed at
 * send time with @clerk-sync/testing's signWebhook, as Svix signs each attempt) over keep-alive
 * connections to one server, then report the result over IPC. A warm-up goes first, uncounted.
 * Bounded: stops issuing after `maxSeconds`; every request has a timeout.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { postDelivery } from './post-delivery.js'
import { type Delivery, eventSequence, type RunRequest, summarize } from './shared.js'

interface LoadMessage {
  url: string
  secret: string
  request: RunRequest
}

async function run({ url, secret, request }: LoadMessage) {
  const target = new URL(url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: request.concurrency })
  const all = eventSequence(request.warmup + request.deliveries, request.createdShare)
  const drive = async (deliveries: Delivery[], record: boolean, deadline: number) => {
    const latencies: number[] = []
    const statuses: Record<string, number> = {}
    let next = 0
    let capped = false
    const worker = async () => {
      while (next < deliveries.length) {
        if (performance.now() > deadline) {
          capped = true
          return
        }
        const delivery = deliveries[next++]!
        const started = performance.now()
        const status = await postDelivery(agent, target, secret, delivery)
        if (!record) continue
        latencies.push(performance.now() - started)
        statuses[status] = (statuses[status] ?? 0) + 1
      }
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: request.concurrency }, worker))
    return summarize(latencies, (performance.now() - started) / 1000, statuses, capped)
  }
  const capMs = request.maxSeconds * 1000
  await drive(all.slice(0, request.warmup), false, performance.now() + capMs)
  const result = await drive(all.slice(request.warmup), true, performance.now() + capMs)
  agent.destroy()
  return result
}

process.once('message', (message) => {
  run(message as LoadMessage).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
})
process.on('disconnect', () => process.exit(0))
