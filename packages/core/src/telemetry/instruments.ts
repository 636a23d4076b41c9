import {
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import { version } from '../../package.json'
import { INSTRUMENTATION_SCOPE, MetricName } from './names.js'
import { registerQueueGauges } from './queue-gauges.js'

export interface Instruments {
  events: Counter
  webhookDuration: Histogram
  queueDelay: Histogram
}

// A queued job can wait minutes while workers are down or behind; the default buckets end at 10 s.
const QUEUE_DELAY_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 900_000,
  3_600_000,
]

let tracerProvider: TracerProvider | undefined
let tracer: Tracer | undefined
let meterProvider: MeterProvider | undefined
let instruments: Instruments | undefined

/**
 * clerk-sync's tracer. Looked up on each use and cached per provider: an app may register its
 * provider after `createClerkSync` (or a test may swap it), and a tracer taken from the old one
 * would keep writing there. Without a provider the API hands out no-op spans.
 */
export function clerkSyncTracer(): Tracer {
  const provider = trace.getTracerProvider()
  if (provider !== tracerProvider || !tracer) {
    tracerProvider = provider
    tracer = provider.getTracer(INSTRUMENTATION_SCOPE, version)
  }
  return tracer
}

/**
 * clerk-sync's metric instruments, made on the current meter provider (cached per provider, as
 * the tracer: the metrics API has no proxy, so a meter taken before the app registered its
 * provider would stay a no-op). The queue gauges are registered with them.
 */
export function clerkSyncInstruments(): Instruments {
  const provider = metrics.getMeterProvider()
  if (provider !== meterProvider || !instruments) {
    meterProvider = provider
    const meter = provider.getMeter(INSTRUMENTATION_SCOPE, version)
    instruments = {
      events: meter.createCounter(MetricName.events, {
        description: 'Webhook answers (stage webhook) and queued jobs applied (stage worker)',
      }),
      webhookDuration: meter.createHistogram(MetricName.webhookDuration, {
        description: 'Webhook processing time, until the answer is ready',
        unit: 'ms',
      }),
      queueDelay: meter.createHistogram(MetricName.queueDelay, {
        description: 'Queue mode: time from the webhook receipt to the worker write',
        unit: 'ms',
        advice: { explicitBucketBoundaries: QUEUE_DELAY_BUCKETS_MS },
      }),
    }
    registerQueueGauges(meter)
  }
  return instruments
}
