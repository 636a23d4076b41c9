import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { abortableSleep } from '../timing/abortable-sleep.js'

/** Time as the pacer sees it; tests pass their own to check the waits without waiting. */
export interface PacingClock {
  /** Milliseconds on a monotonic clock. */
  now(): number
  /** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemPacingClock: PacingClock = {
  now: () => performance.now(),
  sleep: abortableSleep,
}

/** `maxUsersPerSecond` as given: a positive finite number, else CONFIG_INVALID. */
export function checkMaxPerSecond(value: unknown, name: string, method: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `${method}: \`${name}\` must be a positive finite number (users per second), got ${String(value)}.`,
    )
  }
  return value
}

/**
 * Keeps an average rate at or under `maxPerSecond` since the pacer was made: after `done` units,
 * waits until `done / maxPerSecond` seconds have passed. The cap is on the average since the
 * start: after a slow step (a 429's wait, a busy database) the next steps wait less or not at all
 * until the average is back at the cap.
 */
export class RatePacer {
  private readonly started: number

  constructor(
    private readonly maxPerSecond: number,
    private readonly clock: PacingClock = systemPacingClock,
  ) {
    this.started = clock.now()
  }

  /** Waits as long as `done` units require; returns the milliseconds it asked to wait (0: none). */
  async pace(done: number, signal?: AbortSignal): Promise<number> {
    const dueMs = (done / this.maxPerSecond) * 1000
    const waitMs = Math.ceil(dueMs - (this.clock.now() - this.started))
    if (waitMs <= 0) return 0
    await this.clock.sleep(waitMs, signal)
    return waitMs
  }
}
