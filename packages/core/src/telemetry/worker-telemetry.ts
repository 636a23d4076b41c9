import { context, SpanKind, trace } from '@opentelemetry/api'
import type { QueuedEvent, QueueStats } from '../queue/event-queue.js'
import type { WebhookResult } from '../sync/webhook-result.js'
import { bestEffort } from './best-effort.js'
import { clerkSyncInstruments, clerkSyncTracer } from './instruments.js'
import { Attr, SpanName } from './names.js'
import { publishQueueStats } from './queue-gauges.js'
import { endWithError, endWithResult, metricAttributes } from './result-attributes.js'
import { fromTraceparent } from './traceparent.js'

/**
 * Applies a worker's batch inside a `clerk-sync.worker.batch` span, each job in its own
 * `clerk-sync.worker.apply` child, and counts each job's result (stage `worker`) and, for a job
 * that is done (not failed back to the queue), its delay from receipt.
 */
export function observeWorkerBatch<R extends string>(
  queue: string,
  events: QueuedEvent[],
  applyOne: (event: QueuedEvent) => Promise<WebhookResult<R>>,
): Promise<WebhookResult<R>[]> {
  const tracer = clerkSyncTracer()
  const batch = tracer.startSpan(SpanName.workerBatch, {
    kind: SpanKind.CONSUMER,
    attributes: { [Attr.queue]: queue, [Attr.batchSize]: events.length },
  })
  // The parent is passed explicitly: without a context manager, context.active() would not hold it.
  const parent = trace.setSpan(context.active(), batch)
  const applied = Promise.all(
    events.map((event) => {
      // Linked, not parented: the webhook's trace ended when the delivery was answered.
      const enqueued = fromTraceparent(event?.traceparent)
      const span = tracer.startSpan(
        SpanName.workerApply,
        {
          kind: SpanKind.INTERNAL,
          attributes: { [Attr.eventId]: event?.eventId },
          ...(enqueued ? { links: [{ context: enqueued }] } : {}),
        },
        parent,
      )
      return context
        .with(trace.setSpan(parent, span), () => applyOne(event))
        .then(
          (result) => {
            // A throwing meter or span must not reject the batch: the job's fate is its write's.
            bestEffort(() => record(result))
            bestEffort(() => endWithResult(span, result))
            return result
          },
          (error: unknown) => {
            bestEffort(() => endWithError(span, error))
            throw error
          },
        )
    }),
  )
  return applied.then(
    (results) => {
      bestEffort(() => batch.end())
      return results
    },
    (error: unknown) => {
      bestEffort(() => endWithError(batch, error))
      throw error
    },
  )
}

function record(result: WebhookResult<string>): void {
  const { events, queueDelay } = clerkSyncInstruments()
  const attributes = metricAttributes(result, 'worker')
  events.add(1, attributes)
  // A failed job goes back to the queue and is not yet applied: its delay is counted when it is.
  if (result.queue && result.status < 500) queueDelay.record(result.queue.delayMs, attributes)
}

/**
 * A worker's new `stats()` sample for the queue gauges (`undefined` withdraws it). Makes the
 * instruments on the current provider, so the gauges exist even before any job runs.
 */
export function publishWorkerStats(
  worker: object,
  queue: string,
  stats: QueueStats | undefined,
): void {
  if (stats) clerkSyncInstruments()
  publishQueueStats(worker, queue, stats)
}
