/**
 * Refusals armed by `emulator.throttleNext`: the next `count` rate-limited requests answer 429
 * with `Retry-After`, whatever the rate limit says, so tests can inject back-pressure on cue.
 */
export class Throttle {
  #remaining = 0
  #retryAfterSeconds = 1

  /** Replaces whatever was armed before; `count` 0 disarms. */
  arm(count: number, retryAfterSeconds: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new TypeError('throttleNext: count must be a whole number ≥ 0')
    }
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
      throw new TypeError('throttleNext: retryAfterSeconds must be a whole number ≥ 0')
    }
    this.#remaining = count
    this.#retryAfterSeconds = retryAfterSeconds
  }

  /** The `Retry-After` to refuse this request with, or `undefined` to let it through. */
  take(): number | undefined {
    if (this.#remaining === 0) return undefined
    this.#remaining--
    return this.#retryAfterSeconds
  }
}
