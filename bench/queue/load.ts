/**
 * The queue bench's load generator, in its own process: `concurrency` senders post signed
 * deliveries (signed at send time, as Svix signs each attempt) over keep-alive connections,
 * spread round-robin over one or more web processes, and report each acknowledgement's latency
 * and the wall-clock span from the first send to the last answer, so the coordinator can time
 * the drain from the same first send. Bounded: every request has a timeout.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { postDelivery } from '../post-delivery.js'
import { eventSequence, type RunResult, summarize } from '../shared.js'

export interface QueueLoadRequest {
  urls: string[]
  secret: string
  concurrency: number
  deliveries: number
  /** Share of `user.created` (distinct users); the rest update users created earlier. */
  createdShare: number
}

export interface QueueLoadResult extends RunResult {
  /** `Date.now()` at the first send and at the last answer. */
  firstSentAt: number
  lastAnsweredAt: number
}

async function run(request: QueueLoadRequest): Promise<QueueLoadResult> {
  const targets = request.urls.map((url) => new URL(url))
  const agent = new http.Agent({ keepAlive: true, maxSockets: request.concurrency })
  const deliveries = eventSequence(request.deliveries, request.createdShare)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let next = 0
  const sender = async () => {
    while (next < deliveries.length) {
      const index = next++
      const started = performance.now()
      const status = await postDelivery(
        agent,
        targets[index % targets.length]!,
        request.secret,
        deliveries[index]!,
      )
      latencies.push(performance.now() - started)
      statuses[status] = (statuses[status] ?? 0) + 1
    }
  }
  const firstSentAt = Date.now()
  const started = performance.now()
  await Promise.all(Array.from({ length: request.concurrency }, sender))
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  return {
    ...summarize(latencies, seconds, statuses, false),
    firstSentAt,
    lastAnsweredAt: Date.now(),
  }
}

process.once('message', (message) => {
  run(message as QueueLoadRequest).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (error) => {
      console.error(error)
      process.exit(1)
    },
  )
})
process.on('disconnect', () => process.exit(0))
