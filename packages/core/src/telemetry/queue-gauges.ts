import type { Meter } from '@opentelemetry/api'
import type { QueueStats } from '../queue/event-queue.js'
import { Attr, MetricName } from './names.js'

interface Sample {
  queue: string
  stats: QueueStats
  sampledAt: number
}

/**
 * The latest `stats()` sample of each running worker. The gauges read these when the app's
 * metric reader collects, so a collection never queries the queue itself.
 */
const samples = new Map<object, Sample>()

/** A worker's new sample; `undefined` withdraws it (the worker stopped, or its sample failed). */
export function publishQueueStats(worker: object, queue: string, stats: QueueStats | undefined) {
  if (stats) samples.set(worker, { queue, stats, sampledAt: Date.now() })
  else samples.delete(worker)
}

/** Several workers of one process on one queue sample the same numbers: the newest one counts. */
function newestPerQueue(): Sample[] {
  const newest = new Map<string, Sample>()
  for (const sample of samples.values()) {
    const seen = newest.get(sample.queue)
    if (!seen || seen.sampledAt < sample.sampledAt) newest.set(sample.queue, sample)
  }
  return [...newest.values()]
}

/** Registers the queue gauges on `meter`, fed from the samples above. */
export function registerQueueGauges(meter: Meter): void {
  const depth = meter.createObservableGauge(MetricName.queueDepth, {
    description: 'Jobs waiting in the clerk-sync queue (retries included), as last sampled',
  })
  const oldestAge = meter.createObservableGauge(MetricName.queueOldestAge, {
    description: 'Age of the oldest waiting job (0 when none waits), as last sampled',
    unit: 'ms',
  })
  const dead = meter.createObservableGauge(MetricName.queueDead, {
    description: 'Dead-lettered jobs waiting for replayDeadEvents(), as last sampled',
  })
  meter.addBatchObservableCallback(
    (result) => {
      for (const { queue, stats } of newestPerQueue()) {
        const attributes = { [Attr.queue]: queue }
        result.observe(depth, stats.queued, attributes)
        result.observe(oldestAge, stats.oldestQueuedAgeMs ?? 0, attributes)
        result.observe(dead, stats.dead, attributes)
      }
    },
    [depth, oldestAge, dead],
  )
}
