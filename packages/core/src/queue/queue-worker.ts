import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { Logger } from '../logging/logger.js'
import type { WebhookResult } from '../sync/webhook-result.js'
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
   * How often the worker samples `queue.stats()` for the results it hands to `onEvent` (and the
   * OpenTelemetry gauges), in ms. Default 5000; 0 never samples.
   */
  statsIntervalMs?: number
}

export interface QueueWorker {
  /** Stops fetching; resolves once the jobs in hand are applied or failed back to the queue. */
  stop(): Promise<void>
}

export interface QueueWorkerDeps<R extends string> {
  queue: EventQueue
  logger: Logger
  /** The direct-mode write of one verified event, reported (logged, `onEvent`) like a webhook's. */
  write(queued: QueuedEvent, event: UserEvent): Promise<WebhookResult<R>>
  /** Logs the result once and hands it to `onEvent`. */
  report(result: WebhookResult<R>): Promise<WebhookResult<R>>
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `startWorker: \`${name}\` must be an integer from 1 to 10000, got ${value}.`,
    )
  }
  return value
}

/**
 * Applies queued events: no signature check (the webhook verified it before it was stored, and a
 * retried job is older than the 300 s tolerance), the same guarded write as direct mode. The
 * events of a batch run together, so their upserts meet in group commit's per-event batch write.
 */
export async function startQueueWorker<R extends string>(
  deps: QueueWorkerDeps<R>,
  options: StartWorkerOptions = {},
): Promise<QueueWorker> {
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 2)
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 64)
  const statsIntervalMs = options.statsIntervalMs ?? 5000
  const { queue, logger } = deps
  let latestStats: (QueueStats & { sampledAt: Date }) | undefined

  async function applyOne(queued: QueuedEvent): Promise<AppliedEvent> {
    const parsed = userEventSchema.safeParse(queued.payload)
    let result: WebhookResult<R>
    if (!parsed.success) {
      // Only a job written by something else than clerk-sync's webhook can get here.
      result = {
        status: 500,
        outcome: 'failed',
        code: ErrorCode.EVENT_INVALID,
        message: `Queued event ${queued.eventId} is not a user event: ${describeIssues(parsed.error)}`,
        eventId: queued.eventId,
        eventType: queued.eventType,
        userId: queued.userId,
      }
    } else {
      result = await deps.write(queued, parsed.data)
    }
    result.queue = {
      delayMs: Math.max(0, Date.now() - queued.receivedAt),
      ...(latestStats ? { stats: latestStats } : {}),
    }
    await deps.report(result)
    if (result.status < 500) return { ok: true }
    return {
      ok: false,
      error: new ClerkSyncError(result.code ?? ErrorCode.STORE_FAILED, result.message),
    }
  }

  const handle = await queue.work({ concurrency, batchSize }, (events) =>
    Promise.all(events.map((event) => applyOne(event))),
  )

  let sampler: ReturnType<typeof setInterval> | undefined
  if (statsIntervalMs > 0) {
    const sample = () => {
      queue.stats().then(
        (stats) => {
          latestStats = { ...stats, sampledAt: new Date() }
        },
        (error: unknown) => {
          logger.warn(
            `Queue stats could not be read: ${error instanceof Error ? error.message : String(error)}`,
          )
        },
      )
    }
    sample()
    sampler = setInterval(sample, statsIntervalMs)
    sampler.unref?.()
  }
  logger.info(`Queue worker started on ${queue.description}`, { concurrency, batchSize })

  let stopping: Promise<void> | undefined
  return {
    stop() {
      stopping ??= (async () => {
        if (sampler) clearInterval(sampler)
        await handle.stop()
        logger.info(`Queue worker stopped on ${queue.description}`)
      })()
      return stopping
    },
  }
}
