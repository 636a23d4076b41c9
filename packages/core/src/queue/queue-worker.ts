import { integerOption } from '../config/integer-option.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { Logger } from '../logging/logger.js'
import { describeStoreError } from '../sync/guarded-store.js'
import type { WebhookResult } from '../sync/webhook-result.js'
import { observeWorkerBatch, publishWorkerStats } from '../telemetry/worker-telemetry.js'
import { describeIssues, type UserEvent, userEventSchema } from '../webhook/clerk-event.js'
import type { AppliedEvent, EventQueue, QueuedEvent, QueueStats } from './event-queue.js'

export interface StartWorkerOptions {
  /**
   * Batches this process applies at once. Each batch's upserts share group-commit writes, so
   * keep it at or below the store pool's size. Default 2.
   */
  concurrency?: number
  /** Most jobs fetched at once; default 64, group commit's batch size. */
  batchSize?: number
  /**
   * How often the worker samples `queue.stats()` for the results it hands to `onEvent` and for
   * the OpenTelemetry queue gauges, in ms: 0 (never), or 100 to 2147483647. Default 5000.
   */
  statsIntervalMs?: number
}

export interface QueueWorker {
  /**
   * Stops fetching and sampling; resolves once the jobs in hand are applied or failed back to the
   * queue. Idempotent: every call returns the same promise. Stop it before closing the store and
   * the queue's engine.
   */
  stop(): Promise<void>
}

export interface QueueWorkerDeps<R extends string> {
  queue: EventQueue
  logger: Logger
  /** The direct-mode write of one verified event (never throws: a failure is a 5xx result). */
  write(queued: QueuedEvent, event: UserEvent): Promise<WebhookResult<R>>
  /** Logs the result once and hands it to `onEvent`. */
  report(result: WebhookResult<R>): Promise<WebhookResult<R>>
}

// setInterval's ceiling; and below 100 ms, stats() would query the queue's database non-stop.
const MAX_INTERVAL_MS = 2 ** 31 - 1
const MIN_STATS_INTERVAL_MS = 100

function workerOption(name: string, value: unknown, min: number, max: number): number {
  return integerOption('startWorker', name, value, min, max)
}

function readOptions(options: StartWorkerOptions | undefined) {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'startWorker: options must be an object ({ concurrency, batchSize, statsIntervalMs }).',
    )
  }
  const statsIntervalMs = options?.statsIntervalMs ?? 5000
  return {
    concurrency: workerOption('concurrency', options?.concurrency ?? 2, 1, 10_000),
    batchSize: workerOption('batchSize', options?.batchSize ?? 64, 1, 10_000),
    statsIntervalMs:
      statsIntervalMs === 0
        ? 0
        : workerOption('statsIntervalMs', statsIntervalMs, MIN_STATS_INTERVAL_MS, MAX_INTERVAL_MS),
  }
}

/** A job no clerk-sync webhook wrote (or a corrupted one): failed, so it ends dead-lettered. */
function invalidJob<R extends string>(queued: QueuedEvent, reason: string): WebhookResult<R> {
  const eventId = typeof queued?.eventId === 'string' ? queued.eventId : undefined
  return {
    status: 500,
    outcome: 'failed',
    code: ErrorCode.EVENT_INVALID,
    message: `Queued event ${eventId ?? '(no eventId)'} cannot be applied: ${reason}`,
    ...(eventId ? { eventId } : {}),
    ...(typeof queued?.eventType === 'string' ? { eventType: queued.eventType } : {}),
    ...(typeof queued?.userId === 'string' ? { userId: queued.userId } : {}),
  }
}

function toApplied(result: WebhookResult<string>): AppliedEvent {
  if (result.status < 500) return { ok: true }
  return {
    ok: false,
    error: new ClerkSyncError(result.code ?? ErrorCode.STORE_FAILED, result.message),
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Applies queued events: no signature check (the webhook verified it before it was stored, and a
 * retried job is older than the 300 s tolerance), the same guarded write as direct mode, with the
 * webhook's receipt time (a `user.deleted` without an envelope timestamp is dated by it). The
 * events of a batch run together, so their upserts meet in group commit's per-event batch write.
 */
export async function startQueueWorker<R extends string>(
  deps: QueueWorkerDeps<R>,
  options?: StartWorkerOptions,
): Promise<QueueWorker> {
  const { concurrency, batchSize, statsIntervalMs } = readOptions(options)
  const { queue, logger } = deps
  let latestStats: (QueueStats & { sampledAt: Date }) | undefined
  let stopped = false
  /** This worker's key for its published stats (the gauges keep one sample per worker). */
  const statsOwner = {}

  async function write(queued: QueuedEvent): Promise<WebhookResult<R>> {
    if (typeof queued?.eventId !== 'string' || queued.eventId === '') {
      return invalidJob(queued, 'it has no eventId')
    }
    if (!Number.isFinite(queued.receivedAt)) return invalidJob(queued, 'it has no receivedAt')
    const parsed = userEventSchema.safeParse(queued.payload)
    if (!parsed.success) {
      return invalidJob(queued, `not a user event: ${describeIssues(parsed.error)}`)
    }
    try {
      return await deps.write(queued, parsed.data)
    } catch (error) {
      // write answers failures itself; this is the net that keeps one job from failing its batch.
      return invalidJob(queued, describe(error))
    }
  }

  /** One job: written, given its delay and the latest stats, reported. Never rejects. */
  async function applyOne(queued: QueuedEvent): Promise<WebhookResult<R>> {
    const result = await write(queued)
    const receivedAt = Number.isFinite(queued?.receivedAt) ? queued.receivedAt : Date.now()
    result.queue = {
      delayMs: Math.max(0, Date.now() - receivedAt),
      ...(latestStats ? { stats: latestStats } : {}),
    }
    try {
      await deps.report(result)
    } catch (error) {
      // Only a throwing logger gets here; the job's fate is the write's, not the log line's.
      console.error(`[clerk-sync] Reporting a queued event failed: ${describe(error)}`)
    }
    return result
  }

  /** Gauges and logs must never take the worker down: their own failures go to stderr only. */
  function safely(what: string, action: () => void): void {
    try {
      action()
    } catch (error) {
      console.error(`[clerk-sync] ${what} failed: ${describe(error)}`)
    }
  }

  // One sample at a time: a slow stats() (a busy database) must not pile up queries. The chain
  // never rejects and never throws into the timer: an adapter whose stats() throws synchronously,
  // a throwing logger or a throwing metrics provider cannot end the process.
  let sampling = false
  function sample(): void {
    if (sampling || stopped) return
    sampling = true
    Promise.resolve()
      .then(() => queue.stats())
      .then(
        (stats) => {
          if (stopped) return
          latestStats = { ...stats, sampledAt: new Date() }
          safely('Publishing queue stats', () =>
            publishWorkerStats(statsOwner, queue.description, stats),
          )
        },
        (error: unknown) => {
          if (stopped) return
          // The gauges drop this worker's numbers rather than show stale ones as current.
          safely('Withdrawing queue stats', () =>
            publishWorkerStats(statsOwner, queue.description, undefined),
          )
          safely('Logging a failed queue stats sample', () =>
            logger.warn(
              `Queue stats could not be read from ${queue.description}: ${describeStoreError(error)}`,
            ),
          )
        },
      )
      .catch(() => {})
      .finally(() => {
        sampling = false
      })
  }

  let sampler: ReturnType<typeof setInterval> | undefined
  if (statsIntervalMs > 0) {
    sample()
    sampler = setInterval(sample, statsIntervalMs)
    sampler.unref?.()
  }
  function stopSampling(): void {
    stopped = true
    if (sampler) clearInterval(sampler)
    safely('Withdrawing queue stats', () =>
      publishWorkerStats(statsOwner, queue.description, undefined),
    )
  }

  let handle: Awaited<ReturnType<EventQueue['work']>>
  try {
    handle = await queue.work({ concurrency, batchSize }, (events) =>
      observeWorkerBatch(queue.description, events, applyOne).then(
        (results) => results.map(toApplied),
        // applyOne never rejects; should tracing itself throw, the jobs are retried, not lost.
        (error: unknown) => events.map(() => ({ ok: false as const, error })),
      ),
    )
  } catch (error) {
    stopSampling()
    throw error
  }
  if (typeof handle?.stop !== 'function') {
    // Without a stop, this worker could never be stopped: refuse it now, not at shutdown.
    stopSampling()
    throw new ClerkSyncError(
      ErrorCode.QUEUE_FAILED,
      `startWorker: ${queue.description} answered work() without a stop() function; the queue adapter breaks the EventQueue contract.`,
    )
  }
  logger.info(`Queue worker started on ${queue.description}`, { concurrency, batchSize })

  let stopping: Promise<void> | undefined
  return {
    stop() {
      stopping ??= (async () => {
        // A stats() still running is not awaited: its answer is ignored once stopped.
        stopSampling()
        await handle.stop()
        logger.info(`Queue worker stopped on ${queue.description}`)
      })()
      return stopping
    },
  }
}
