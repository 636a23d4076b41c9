import type { Logger } from '@clerk-sync/core'
import { messageOf } from './message-of.js'
import type { ResolvedOptions } from './options.js'
import type { PgBossLike } from './pg-boss-like.js'

export interface ExpiryPasses {
  stop(): Promise<void>
}

/**
 * Runs pg-boss's own expiry from the worker, every third of `expireInSeconds` (at least 1 s), so
 * the job of a worker that died mid-batch is failed and retried within seconds: pg-boss only
 * expires jobs in its maintenance, every 2 minutes on 10 by default, and not at all in a process
 * started with `supervise: false`. 10's `expire()` is one locked statement over all queues; 12's
 * `supervise(name)` is the queue's maintenance pass, whose expiry step runs at most every
 * `monitorIntervalSeconds` of that boss (set it to a few seconds on the worker's boss).
 */
export function startExpiryPasses(
  boss: PgBossLike,
  options: ResolvedOptions,
  logger: Logger,
): ExpiryPasses {
  const pass = boss.supervise
    ? () => boss.supervise?.(options.name)
    : boss.expire
      ? () => boss.expire?.()
      : undefined
  if (!pass) {
    logger.warn(
      `pg-boss queue "${options.name}": this pg-boss has neither expire() nor supervise(); a killed worker's jobs wait for pg-boss's own maintenance`,
    )
    return { stop: async () => {} }
  }

  warnSlowMonitor(boss, options, logger)

  let running: Promise<void> | undefined
  const tick = () => {
    if (running) return
    running = (async () => {
      try {
        await pass()
      } catch (error) {
        logger.warn(`pg-boss queue "${options.name}": expiry pass failed: ${messageOf(error)}`)
      } finally {
        running = undefined
      }
    })()
  }
  const timer = setInterval(tick, Math.max(1000, (options.expireInSeconds * 1000) / 3))
  timer.unref?.()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}

/**
 * 12 expires jobs at most every `monitorIntervalSeconds` of the boss (default 60 s) whatever this
 * calls; a value above `expireInSeconds` delays a killed worker's retry that long. Said once, at
 * worker start, when the boss's config shows it.
 */
function warnSlowMonitor(boss: PgBossLike, options: ResolvedOptions, logger: Logger): void {
  if (!boss.supervise) return
  const config = (boss.getDb() as { config?: { monitorIntervalSeconds?: unknown } }).config
  const monitor = config?.monitorIntervalSeconds
  if (typeof monitor === 'number' && monitor > options.expireInSeconds) {
    logger.warn(
      `pg-boss queue "${options.name}": the boss's monitorIntervalSeconds is ${monitor} s, above expireInSeconds ${options.expireInSeconds} s: a killed worker's jobs are retried only after up to ${monitor} s; construct the worker's boss with monitorIntervalSeconds (and superviseIntervalSeconds) of a few seconds`,
    )
  }
}
