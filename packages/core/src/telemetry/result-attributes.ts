import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api'
import type { WebhookResult } from '../sync/webhook-result.js'
import { Attr, type Stage } from './names.js'

/** What a result says about its event, on the span that produced it. */
export function endWithResult(span: Span, result: WebhookResult<string>): void {
  if (span.isRecording()) {
    const attributes: Attributes = {
      [Attr.outcome]: result.outcome,
      [Attr.httpStatus]: result.status,
    }
    if (result.eventId !== undefined) attributes[Attr.eventId] = result.eventId
    if (result.eventType !== undefined) attributes[Attr.eventType] = result.eventType
    if (result.userId !== undefined) attributes[Attr.userId] = result.userId
    if (result.code !== undefined) attributes[Attr.errorCode] = result.code
    if (result.queue) attributes[Attr.queueDelayMs] = result.queue.delayMs
    span.setAttributes(attributes)
    // 4xx is the sender's problem (a bad signature, a malformed event), not this service's.
    if (result.status >= 500)
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.message })
  }
  span.end()
}

/** A span whose work threw instead of answering (a bug, or a logger that throws). */
export function endWithError(span: Span, error: unknown): void {
  if (span.isRecording()) {
    span.recordException(error instanceof Error ? error : String(error))
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    })
  }
  span.end()
}

/**
 * The metric attributes of a result: low-cardinality only (no event or user ids). The event type
 * is only known for a verified delivery, so a forged request cannot invent attribute values.
 */
export function metricAttributes(result: WebhookResult<string>, stage: Stage): Attributes {
  const attributes: Attributes = { [Attr.outcome]: result.outcome, [Attr.stage]: stage }
  if (result.eventType !== undefined) attributes[Attr.eventType] = result.eventType
  return attributes
}
