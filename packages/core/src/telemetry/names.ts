/**
 * The names clerk-sync's OpenTelemetry spans, metrics and attributes go by: one place, so the
 * README's table and the code cannot drift apart.
 */
export const INSTRUMENTATION_SCOPE = '@clerk-sync/core'

export const SpanName = {
  /** One webhook delivery, from the request's bytes to the answer (direct and queue mode). */
  webhook: 'clerk-sync.webhook',
  /** Queue mode: storing a verified event in the queue, inside `clerk-sync.webhook`. */
  enqueue: 'clerk-sync.queue.enqueue',
  /** Queue mode: one batch of jobs a worker applies together. */
  workerBatch: 'clerk-sync.worker.batch',
  /** Queue mode: one job's write, a child of `clerk-sync.worker.batch`. */
  workerApply: 'clerk-sync.worker.apply',
} as const

export const MetricName = {
  /** Counter: every result, by outcome, event type and stage. */
  events: 'clerk_sync.events',
  /** Histogram (ms): a webhook's processing time, until the answer is ready. */
  webhookDuration: 'clerk_sync.webhook.duration',
  /** Histogram (ms): queue mode, from the webhook's receipt to the worker's write. */
  queueDelay: 'clerk_sync.queue.delay',
  /** Gauge: jobs waiting, from the worker's latest `stats()` sample. */
  queueDepth: 'clerk_sync.queue.depth',
  /** Gauge (ms): how long the oldest waiting job has waited (0 when none waits). */
  queueOldestAge: 'clerk_sync.queue.oldest_age',
  /** Gauge: dead-lettered jobs, waiting for `replayDeadEvents()`. */
  queueDead: 'clerk_sync.queue.dead',
} as const

export const Attr = {
  eventId: 'clerk_sync.event.id',
  eventType: 'clerk_sync.event.type',
  userId: 'clerk_sync.user.id',
  outcome: 'clerk_sync.outcome',
  errorCode: 'clerk_sync.error.code',
  /** `webhook` (the delivery's answer) or `worker` (the queued job's write). */
  stage: 'clerk_sync.stage',
  /** The queue's `description` (engine and name). */
  queue: 'clerk_sync.queue',
  enqueueOutcome: 'clerk_sync.queue.enqueue_outcome',
  queueDelayMs: 'clerk_sync.queue.delay_ms',
  batchSize: 'clerk_sync.batch.size',
  httpStatus: 'http.response.status_code',
} as const

export type Stage = 'webhook' | 'worker'
