import { isSpanContextValid, type SpanContext, TraceFlags } from '@opentelemetry/api'

// https://www.w3.org/TR/trace-context/#traceparent-header: version 00, trace id, span id, flags.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/**
 * A span context as a W3C `traceparent`. Written by hand rather than through the app's
 * propagator: a job is not an HTTP request, and the link must not depend on which one is set.
 */
export function toTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0')
  return `00-${context.traceId}-${context.spanId}-${flags}`
}

/** The remote span context a stored `traceparent` names; undefined for anything else. */
export function fromTraceparent(traceparent: unknown): SpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined
  const match = TRACEPARENT.exec(traceparent)
  if (!match) return undefined
  const context: SpanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: Number.parseInt(match[3] as string, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  }
  return isSpanContextValid(context) ? context : undefined
}
