import { AsyncLocalStorage } from 'node:async_hooks'
import {
  type ClerkSyncOptions,
  createClerkSync,
  type DefaultRole,
  ErrorCode,
  MemoryStore,
  silentLogger,
} from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signedWebhookRequest,
  userCreatedEvent,
} from '@clerk-sync/testing'
import {
  type Context,
  type ContextManager,
  context,
  metrics,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import type { AggregationTemporality, MetricData } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { version } from '../package.json'
import { deliver, watchProcessFailures } from './helpers.js'
import { ArrayQueue } from './queue-array-queue.js'
import { sdkMetrics, sdkTrace } from './telemetry-sdk.js'

const { DataPointType, MeterProvider } = sdkMetrics
const { BasicTracerProvider, SimpleSpanProcessor } = sdkTrace

/** An in-memory exporter and the reader that exports to it when asked (forceFlush). */
function inMemoryReader(temporality: AggregationTemporality) {
  const exporter = new sdkMetrics.InMemoryMetricExporter(temporality)
  // The interval is longer than any test: it exports when collect() asks.
  const reader = new sdkMetrics.PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 600_000,
  })
  return { exporter, reader }
}

/** What an app's SDK set-up registers (as @opentelemetry/context-async-hooks does): spans nest. */
class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    active: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#storage.run(active, () => fn.call(thisArg, ...args))
  }
  bind<T>(_context: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.#storage.disable()
    return this
  }
}

let spans: InstanceType<typeof sdkTrace.InMemorySpanExporter>
/** Totals since start, as Prometheus-style backends read them. */
let cumulative: ReturnType<typeof inMemoryReader>
/**
 * Each collection on its own: what the gauges observed in it, and nothing else. (Under
 * cumulative temporality the JS SDK keeps repeating a series' last value once it is no longer
 * observed, so a withdrawn sample only shows this way.)
 */
let delta: ReturnType<typeof inMemoryReader>

function registerProviders() {
  spans = new sdkTrace.InMemorySpanExporter()
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  )
  cumulative = inMemoryReader(sdkMetrics.AggregationTemporality.CUMULATIVE)
  delta = inMemoryReader(sdkMetrics.AggregationTemporality.DELTA)
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [cumulative.reader, delta.reader] }))
  context.setGlobalContextManager(new AsyncLocalContextManager())
}

async function shutDownReaders() {
  await cumulative.reader.shutdown()
  await delta.reader.shutdown()
}

beforeEach(registerProviders)

afterEach(async () => {
  await shutDownReaders()
  trace.disable()
  metrics.disable()
  context.disable()
  vi.useRealTimers()
})

/** clerk-sync's metrics as the app's reader collects them now, by name. */
async function collect({ exporter, reader } = cumulative): Promise<Map<string, MetricData>> {
  exporter.reset()
  await reader.forceFlush()
  const scope = exporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.find((s) => s.scope.name === '@clerk-sync/core')
  // A collection with nothing in it (delta, after a withdrawal) has no clerk-sync scope at all.
  if (scope) expect(scope.scope.version).toBe(version)
  return new Map(scope?.metrics.map((metric) => [metric.descriptor.name, metric]))
}

function points(metric: MetricData | undefined) {
  return (metric?.dataPoints ?? []).map((point) => ({
    attributes: point.attributes,
    value: point.value,
  }))
}

function histogramCounts(metric: MetricData | undefined) {
  expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM)
  return (metric?.dataPoints ?? []).map((point) => ({
    attributes: point.attributes,
    count: (point.value as { count: number }).count,
    min: (point.value as { min?: number }).min,
  }))
}

function finished(name: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.name === name)
}

function setup(options: Partial<ClerkSyncOptions<DefaultRole>> = {}) {
  const secret = generateSigningSecret()
  const store = new MemoryStore<DefaultRole>()
  const sync = createClerkSync<DefaultRole>({
    signingSecret: secret,
    store,
    logger: silentLogger,
    ...options,
  })
  return { secret, store, sync }
}

const T = Date.UTC(2026, 5, 1)

describe('telemetry: direct mode', () => {
  it('traces a delivery as clerk-sync.webhook and counts it, named for @clerk-sync/core', async () => {
    const { sync, secret } = setup()
    const user = clerkUser({ updatedAt: T })
    const result = await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_direct' })
    expect(result.outcome).toBe('applied')

    const [span] = finished('clerk-sync.webhook')
    expect(span?.instrumentationScope).toMatchObject({ name: '@clerk-sync/core', version })
    expect(span?.kind).toBe(SpanKind.INTERNAL)
    expect(span?.attributes).toEqual({
      'clerk_sync.event.id': 'msg_direct',
      'clerk_sync.event.type': 'user.created',
      'clerk_sync.user.id': user.id,
      'clerk_sync.outcome': 'applied',
      'http.response.status_code': 200,
    })
    expect(span?.status.code).toBe(SpanStatusCode.UNSET)

    const collected = await collect()
    expect(points(collected.get('clerk_sync.events'))).toEqual([
      {
        attributes: {
          'clerk_sync.outcome': 'applied',
          'clerk_sync.stage': 'webhook',
          'clerk_sync.event.type': 'user.created',
        },
        value: 1,
      },
    ])
    const duration = collected.get('clerk_sync.webhook.duration')
    expect(duration?.descriptor.unit).toBe('ms')
    expect(histogramCounts(duration)).toMatchObject([{ count: 1 }])
    expect(collected.has('clerk_sync.queue.delay')).toBe(false)
  })

  it('marks a 5xx span ERROR, leaves a refused (4xx) one UNSET, and gives a forged one no event type', async () => {
    const { sync, secret } = setup({
      mapUser: () => {
        throw new Error('plan service down')
      },
    })
    const failed = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    expect(failed.status).toBe(500)
    const forged = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), {
      secret: generateSigningSecret(),
      id: 'msg_forged',
    })
    expect(forged.status).toBe(400)

    const [failedSpan, forgedSpan] = finished('clerk-sync.webhook')
    expect(failedSpan?.status).toMatchObject({ code: SpanStatusCode.ERROR })
    expect(failedSpan?.status.message).toContain('plan service down')
    expect(failedSpan?.attributes['clerk_sync.error.code']).toBe(ErrorCode.MAP_USER_FAILED)
    expect(forgedSpan?.status.code).toBe(SpanStatusCode.UNSET)
    expect(forgedSpan?.attributes).toMatchObject({
      'clerk_sync.outcome': 'rejected',
      'http.response.status_code': 400,
      'clerk_sync.error.code': ErrorCode.SIGNATURE_INVALID,
    })

    const events = points((await collect()).get('clerk_sync.events'))
    expect(events).toContainEqual({
      attributes: {
        'clerk_sync.outcome': 'failed',
        'clerk_sync.stage': 'webhook',
        'clerk_sync.event.type': 'user.created',
      },
      value: 1,
    })
    expect(events).toContainEqual({
      attributes: { 'clerk_sync.outcome': 'rejected', 'clerk_sync.stage': 'webhook' },
      value: 1,
    })
  })

  it('traces a body refused before it is read (413) too', async () => {
    const { sync, secret } = setup({ maxBodyBytes: 64 })
    const response = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: userCreatedEvent(clerkUser({ updatedAt: T })) }),
    )
    expect(response.status).toBe(413)
    expect(finished('clerk-sync.webhook')[0]?.attributes).toMatchObject({
      'clerk_sync.outcome': 'rejected',
      'http.response.status_code': 413,
      'clerk_sync.error.code': ErrorCode.BODY_TOO_LARGE,
    })
  })

  it('reaches a provider registered after createClerkSync, and a replaced one', async () => {
    trace.disable()
    metrics.disable()
    const { sync, secret } = setup()
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    await shutDownReaders()
    registerProviders()
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret, id: 'msg_late' })
    expect(finished('clerk-sync.webhook').map((s) => s.attributes['clerk_sync.event.id'])).toEqual([
      'msg_late',
    ])
    expect(points((await collect()).get('clerk_sync.events'))).toMatchObject([{ value: 1 }])
  })
})

describe('telemetry: queue mode', () => {
  it('traces the enqueue inside the webhook span and counts the answer as queued', async () => {
    const queue = new ArrayQueue()
    const { sync, secret } = setup({ queue })
    const user = clerkUser({ updatedAt: T })
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_queued' })

    const [webhook] = finished('clerk-sync.webhook')
    const [enqueue] = finished('clerk-sync.queue.enqueue')
    expect(webhook?.attributes).toMatchObject({
      'clerk_sync.outcome': 'queued',
      'http.response.status_code': 200,
    })
    expect(enqueue?.kind).toBe(SpanKind.PRODUCER)
    expect(enqueue?.parentSpanContext?.spanId).toBe(webhook?.spanContext().spanId)
    expect(enqueue?.attributes).toEqual({
      'clerk_sync.queue': 'array queue (test)',
      'clerk_sync.event.id': 'msg_queued',
      'clerk_sync.event.type': 'user.created',
      'clerk_sync.user.id': user.id,
      'clerk_sync.queue.enqueue_outcome': 'queued',
    })
    expect(points((await collect()).get('clerk_sync.events'))).toEqual([
      {
        attributes: {
          'clerk_sync.outcome': 'queued',
          'clerk_sync.stage': 'webhook',
          'clerk_sync.event.type': 'user.created',
        },
        value: 1,
      },
    ])
  })

  it('records a failed enqueue on both spans (ERROR, the exception on the enqueue span)', async () => {
    const queue = new ArrayQueue()
    queue.enqueueOverride = async () => {
      throw new Error('connection terminated')
    }
    const { sync, secret } = setup({ queue })
    const result = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    expect(result.code).toBe(ErrorCode.QUEUE_FAILED)
    const [enqueue] = finished('clerk-sync.queue.enqueue')
    expect(enqueue?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'connection terminated',
    })
    expect(enqueue?.events.map((event) => event.name)).toEqual(['exception'])
    expect(finished('clerk-sync.webhook')[0]?.attributes).toMatchObject({
      'clerk_sync.outcome': 'failed',
      'clerk_sync.error.code': ErrorCode.QUEUE_FAILED,
      'http.response.status_code': 500,
    })
  })
})

describe('telemetry: the worker', () => {
  it('traces a batch with one child per job, and counts each job with its delay', async () => {
    let fail = true
    const queue = new ArrayQueue()
    const { sync, secret } = setup({
      queue,
      mapUser: (json) => {
        if (json.first_name === 'Fail' && fail) throw new Error('plan service down')
        return undefined
      },
    })
    await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret, id: 'msg_ok' })
    const failing = clerkUser({ updatedAt: T, firstName: 'Fail' })
    await deliver(sync, userCreatedEvent(failing), { secret, id: 'msg_fail' })
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    await queue.runBatch()

    const [batch] = finished('clerk-sync.worker.batch')
    expect(batch?.kind).toBe(SpanKind.CONSUMER)
    expect(batch?.attributes).toEqual({
      'clerk_sync.queue': 'array queue (test)',
      'clerk_sync.batch.size': 2,
    })
    const applies = finished('clerk-sync.worker.apply')
    expect(applies).toHaveLength(2)
    for (const span of applies) {
      expect(span.parentSpanContext?.spanId).toBe(batch?.spanContext().spanId)
      expect(span.attributes['clerk_sync.queue.delay_ms']).toBeGreaterThanOrEqual(0)
    }
    const byEvent = new Map(applies.map((span) => [span.attributes['clerk_sync.event.id'], span]))
    // Each job's span links to the webhook's enqueue span, whose trace ended with the answer.
    const enqueued = finished('clerk-sync.queue.enqueue').find(
      (span) => span.attributes['clerk_sync.event.id'] === 'msg_ok',
    )
    const link = byEvent.get('msg_ok')?.links[0]?.context
    expect(link).toMatchObject({
      traceId: enqueued?.spanContext().traceId,
      spanId: enqueued?.spanContext().spanId,
      isRemote: true,
    })
    expect(byEvent.get('msg_ok')?.spanContext().traceId).not.toBe(link?.traceId)
    expect(byEvent.get('msg_ok')?.attributes['clerk_sync.outcome']).toBe('applied')
    expect(byEvent.get('msg_ok')?.status.code).toBe(SpanStatusCode.UNSET)
    expect(byEvent.get('msg_fail')?.attributes).toMatchObject({
      'clerk_sync.outcome': 'failed',
      'clerk_sync.error.code': ErrorCode.MAP_USER_FAILED,
    })
    expect(byEvent.get('msg_fail')?.status.code).toBe(SpanStatusCode.ERROR)

    let collected = await collect()
    const worker_ = (outcome: string) => ({
      'clerk_sync.outcome': outcome,
      'clerk_sync.stage': 'worker',
      'clerk_sync.event.type': 'user.created',
    })
    expect(points(collected.get('clerk_sync.events'))).toEqual(
      expect.arrayContaining([
        { attributes: worker_('applied'), value: 1 },
        { attributes: worker_('failed'), value: 1 },
      ]),
    )
    // Only a job that is done has a delay: the failed one is counted when its retry applies.
    expect(histogramCounts(collected.get('clerk_sync.queue.delay'))).toMatchObject([
      { attributes: worker_('applied'), count: 1 },
    ])

    fail = false
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 90_000)
    await queue.runBatch()
    collected = await collect()
    const delays = histogramCounts(collected.get('clerk_sync.queue.delay'))
    expect(delays).toMatchObject([{ attributes: worker_('applied'), count: 2 }])
    expect(collected.get('clerk_sync.queue.delay')?.descriptor.unit).toBe('ms')
    await worker.stop()
  })

  it('applies a job whose traceparent is missing or malformed, without a link', async () => {
    const queue = new ArrayQueue()
    const { sync, secret, store } = setup({ queue })
    const users = [clerkUser({ updatedAt: T }), clerkUser({ updatedAt: T })]
    for (const user of users) await deliver(sync, userCreatedEvent(user), { secret })
    const [first, second] = queue.waiting
    if (first) first.traceparent = '00-zz-not-a-traceparent-01'
    if (second) delete second.traceparent
    const worker = await sync.startWorker({ statsIntervalMs: 0 })
    expect(await queue.runBatch()).toEqual([{ ok: true }, { ok: true }])
    for (const user of users) expect(await store.getUser(user.id)).not.toBeNull()
    expect(finished('clerk-sync.worker.apply').map((span) => span.links)).toEqual([[], []])
    await worker.stop()
  })

  it("publishes the worker's stats samples as gauges, and withdraws them when it stops", async () => {
    const queue = new ArrayQueue()
    queue.statsOverride = async () => ({ queued: 7, active: 1, dead: 2, oldestQueuedAgeMs: 1234 })
    const { sync } = setup({ queue })
    const worker = await sync.startWorker({ statsIntervalMs: 100 })
    await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThan(0))
    await new Promise((resolve) => setTimeout(resolve, 10))

    let collected = await collect()
    const attributes = { 'clerk_sync.queue': 'array queue (test)' }
    expect(points(collected.get('clerk_sync.queue.depth'))).toEqual([{ attributes, value: 7 }])
    expect(points(collected.get('clerk_sync.queue.oldest_age'))).toEqual([
      { attributes, value: 1234 },
    ])
    expect(collected.get('clerk_sync.queue.oldest_age')?.descriptor.unit).toBe('ms')
    expect(points(collected.get('clerk_sync.queue.dead'))).toEqual([{ attributes, value: 2 }])

    queue.statsOverride = async () => ({ queued: 0, active: 0, dead: 0, oldestQueuedAgeMs: null })
    await new Promise((resolve) => setTimeout(resolve, 250))
    collected = await collect()
    expect(points(collected.get('clerk_sync.queue.depth'))).toEqual([{ attributes, value: 0 }])
    expect(points(collected.get('clerk_sync.queue.oldest_age'))).toEqual([{ attributes, value: 0 }])

    // The delta reader takes what was observed until now, then what is observed after the stop.
    expect(points((await collect(delta)).get('clerk_sync.queue.depth'))).toEqual([
      { attributes, value: 0 },
    ])
    await worker.stop()
    expect(points((await collect(delta)).get('clerk_sync.queue.depth'))).toEqual([])
  })

  it('withdraws the gauges while stats() fails, rather than showing stale numbers', async () => {
    const queue = new ArrayQueue()
    let down = false
    queue.statsOverride = async () => {
      if (down) throw new Error('connection refused')
      return { queued: 5, active: 0, dead: 0, oldestQueuedAgeMs: 10 }
    }
    const { sync } = setup({ queue })
    const worker = await sync.startWorker({ statsIntervalMs: 100 })
    await vi.waitFor(async () =>
      expect(points((await collect(delta)).get('clerk_sync.queue.depth'))).toHaveLength(1),
    )
    down = true
    await vi.waitFor(async () =>
      expect(points((await collect(delta)).get('clerk_sync.queue.depth'))).toEqual([]),
    )
    await worker.stop()
  })
})

describe('telemetry: a broken provider never changes an answer', () => {
  /** A span whose every recording method throws, as a buggy provider or processor would. */
  function throwingSpan(span: Span): Span {
    const broken = new Set(['setAttribute', 'setAttributes', 'setStatus', 'end', 'recordException'])
    return new Proxy(span, {
      get(target, property) {
        if (typeof property === 'string' && broken.has(property)) {
          return () => {
            throw new Error(`span.${property} broke`)
          }
        }
        const value = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  }

  /** The SDK's tracer, handing out throwing spans; counters and histograms that throw on use. */
  function registerBrokenProviders() {
    trace.disable()
    metrics.disable()
    const real = new BasicTracerProvider().getTracer('real')
    const tracer = {
      startSpan: (...args: Parameters<Tracer['startSpan']>) =>
        throwingSpan(real.startSpan(...args)),
      startActiveSpan: (...args: unknown[]) => {
        const fn = args.at(-1) as (span: Span) => unknown
        const rest = args.slice(0, -1) as [string]
        return real.startActiveSpan(...rest, (span: Span) => fn(throwingSpan(span)))
      },
    } as unknown as Tracer
    trace.setGlobalTracerProvider({ getTracer: () => tracer })
    const meter = new MeterProvider().getMeter('real')
    const brokenMeter = new Proxy(meter, {
      get(target, property) {
        if (property === 'createCounter') {
          return () => ({
            add() {
              throw new Error('counter.add broke')
            },
          })
        }
        if (property === 'createHistogram') {
          return () => ({
            record() {
              throw new Error('histogram.record broke')
            },
          })
        }
        const value = Reflect.get(target, property)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    metrics.setGlobalMeterProvider({ getMeter: () => brokenMeter })
  }

  it('answers a direct delivery 200 applied and writes it', async () => {
    registerBrokenProviders()
    const { sync, secret, store } = setup()
    const user = clerkUser({ updatedAt: T })
    const result = await deliver(sync, userCreatedEvent(user), { secret })
    expect(result).toMatchObject({ status: 200, outcome: 'applied' })
    expect(await store.getUser(user.id)).not.toBeNull()
  })

  it('answers a queued delivery 200 queued once the job is stored, and a failed one 500 QUEUE_FAILED', async () => {
    registerBrokenProviders()
    const queue = new ArrayQueue()
    const { sync, secret } = setup({ queue })
    const result = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    expect(result).toMatchObject({ status: 200, outcome: 'queued' })
    expect(queue.waiting).toHaveLength(1)

    queue.enqueueOverride = async () => {
      throw new Error('connection terminated')
    }
    const failed = await deliver(sync, userCreatedEvent(clerkUser({ updatedAt: T })), { secret })
    expect(failed).toMatchObject({ status: 500, code: ErrorCode.QUEUE_FAILED })
    expect(failed.message).toContain('connection terminated')
  })

  it("applies a worker's batch and keeps sampling stats, with no unhandled error", async () => {
    const watch = watchProcessFailures()
    try {
      registerBrokenProviders()
      const queue = new ArrayQueue()
      const { sync, secret, store } = setup({ queue })
      const user = clerkUser({ updatedAt: T })
      await deliver(sync, userCreatedEvent(user), { secret })
      // Before any provider breaks the gauges: publishing a sample makes the instruments.
      const worker = await sync.startWorker({ statsIntervalMs: 100 })
      expect(await queue.runBatch()).toEqual([{ ok: true }])
      expect(await store.getUser(user.id)).not.toBeNull()
      await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThanOrEqual(3))
      await worker.stop()
      expect(watch.failures).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it('keeps sampling when publishing the stats throws (a meter provider that cannot make a meter)', async () => {
    const watch = watchProcessFailures()
    try {
      metrics.disable()
      metrics.setGlobalMeterProvider({
        getMeter: () => {
          throw new Error('meter provider broke')
        },
      })
      const queue = new ArrayQueue()
      const { sync } = setup({ queue })
      const worker = await sync.startWorker({ statsIntervalMs: 100 })
      await vi.waitFor(() => expect(queue.statsCalls).toBeGreaterThanOrEqual(3))
      await worker.stop()
      expect(watch.failures).toEqual([])
    } finally {
      watch.stop()
    }
  })
})
