/** `{ requestsPer10s }` as Clerk states its limits, or any `{ requests, windowMs }` for fast tests. */
export type RateLimitOptions = { requestsPer10s: number } | { requests: number; windowMs: number }

/**
 * A sliding-window limit per instance, as Clerk applies per secret key. Answers how many whole
 * seconds to wait (Clerk's `Retry-After`), or 0 to let the request through. Refused requests do
 * not count against the window, so a caller that waits `Retry-After` gets in.
 */
export class RateLimiter {
  readonly #requests: number
  readonly #windowMs: number
  readonly #times: number[] = []

  constructor(options: RateLimitOptions) {
    const [requests, windowMs] =
      'requestsPer10s' in options
        ? [options.requestsPer10s, 10_000]
        : [options.requests, options.windowMs]
    if (!Number.isInteger(requests) || requests < 1 || !(windowMs > 0)) {
      throw new TypeError('rateLimit needs a positive whole number of requests and a window > 0 ms')
    }
    this.#requests = requests
    this.#windowMs = windowMs
  }

  retryAfterSeconds(now = Date.now()): number {
    while (this.#times.length > 0 && this.#times[0]! <= now - this.#windowMs) this.#times.shift()
    if (this.#times.length < this.#requests) {
      this.#times.push(now)
      return 0
    }
    const freeAt = this.#times[0]! + this.#windowMs
    return Math.max(1, Math.ceil((freeAt - now) / 1000))
  }
}
