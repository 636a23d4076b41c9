import { type Span, SpanKind } from '@opentelemetry/api'
import type { QueuedEvent } from '../queue/event-queue.js'
import type { WebhookResult } from '../sync/webhook-result.js'
import { bestEffort } from './best-effort.js'
import { clerkSyncInstruments, clerkSyncTracer } from './instruments.js'
import { Attr, SpanName } from './names.js'
import { endWithError, endWithResult, metricAttributes } from './result-attributes.js'
import { toTraceparent } from './traceparent.js'

/**
 * Runs one delivery inside a `clerk-sync.webhook` span (active, so the app's own spans in
 * `mapUser`, `onEvent` or the store nest under it) and records its duration and outcome.
 */
export function observeWebhook<R extends string>(
  answer: () => Promise<WebhookResult<R>>,
): Promise<WebhookResult<R>> {
  const started = performance.now()
  return clerkSyncTracer().startActiveSpan(
    SpanName.webhook,
    { kind: SpanKind.INTERNAL },
    async (span: Span) => {
      let result: WebhookResult<R>
      try {
        result = await answer()
      } catch (error) {
        bestEffort(() => endWithError(span, error))
        throw error
      }
      bestEffort(() => {
        const { events, webhookDuration } = clerkSyncInstruments()
        const attributes = metricAttributes(result, 'webhook')
        events.add(1, attributes)
        webhookDuration.record(performance.now() - started, attributes)
      })
      bestEffort(() => endWithResult(span, result))
      return result
    },
  )
}

/**
 * Queue mode: stores the event inside a `clerk-sync.queue.enqueue` span. While traces are
 * recorded, the event carries the span's `traceparent`, so the worker's span can link back to it.
 */
export function observeEnqueue<T extends string>(
  queue: string,
  event: QueuedEvent,
  enqueue: (event: QueuedEvent) => Promise<T>,
): Promise<T> {
  return clerkSyncTracer().startActiveSpan(
    SpanName.enqueue,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [Attr.queue]: queue,
        [Attr.eventId]: event.eventId,
        [Attr.eventType]: event.eventType,
        [Attr.userId]: event.userId,
      },
    },
    async (span: Span) => {
      let traced = event
      bestEffort(() => {
        if (span.isRecording())
          traced = { ...event, traceparent: toTraceparent(span.spanContext()) }
      })
      let outcome: T
      try {
        outcome = await enqueue(traced)
      } catch (error) {
        bestEffort(() => endWithError(span, error))
        throw error
      }
      // The job is stored: from here on, a telemetry failure must not turn the 200 into a 500.
      bestEffort(() => span.setAttribute(Attr.enqueueOutcome, outcome))
      bestEffort(() => span.end())
      return outcome
    },
  )
}
