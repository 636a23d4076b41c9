import { abortableSleep, abortReason } from '../timing/abortable-sleep.js'

export interface ClerkRetryInfo {
  /** The attempt that just failed, from 1. */
  attempt: number
  /** How long clerk-sync waits before the next attempt. */
  delayMs: number
  /** The failed attempt's HTTP status; null for a network failure. */
  status: number | null
}

export interface ClerkRetryOptions {
  /** Stops waiting (and stops retrying) at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal
  /** Attempts in all, the first included. Default 8. */
  maxAttempts?: number
  /** Told before each wait, e.g. to log "rate limited, retrying in 2 s". */
  onRetry?: (info: ClerkRetryInfo) => void
}

export const DEFAULT_CLERK_MAX_ATTEMPTS = 8
/** No single wait is longer, whatever Retry-After says: a run stays responsive to Ctrl-C. */
export const MAX_RETRY_DELAY_MS = 30_000
const BASE_DELAY_MS = 500

/** Error codes Node and undici give a connection that failed before any HTTP answer. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

interface ErrorLike {
  status?: unknown
  retryAfter?: unknown
  errors?: Array<{ code?: unknown }>
  code?: unknown
  cause?: unknown
  message?: unknown
}

/** The HTTP status of a failed Clerk call (`ClerkAPIResponseError.status`), else null. */
export function clerkStatusOf(error: unknown): number | null {
  const status = (error as ErrorLike | null)?.status
  return typeof status === 'number' && status > 0 ? status : null
}

/** A 429's `Retry-After` in seconds (`ClerkAPIResponseError.retryAfter`), else null. */
export function clerkRetryAfterSeconds(error: unknown): number | null {
  const seconds = (error as ErrorLike | null)?.retryAfter
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null
}

/**
 * A failure before any HTTP answer. `@clerk/backend` turns a failed fetch into a
 * ClerkAPIResponseError without status whose first error is `unexpected_error`; other clients
 * throw fetch's TypeError or a Node error with a network code.
 */
function isNetworkFailure(error: unknown): boolean {
  const e = error as ErrorLike | null
  if (!e || typeof e !== 'object') return false
  if (Array.isArray(e.errors) && e.errors[0]?.code === 'unexpected_error') return true
  if (e instanceof TypeError && e.message === 'fetch failed') return true
  for (let cause: unknown = e, depth = 0; cause && depth < 4; depth++) {
    const code = (cause as ErrorLike).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
    cause = (cause as ErrorLike).cause
  }
  return false
}

/** 429, 5xx and network failures pass; any other answer (400, 401, 404, 422) will not change. */
export function isRetryableClerkFailure(error: unknown): boolean {
  const status = clerkStatusOf(error)
  if (status !== null) return status === 429 || status >= 500
  return isNetworkFailure(error)
}

function retryDelayMs(error: unknown, attempt: number): number {
  const retryAfter = clerkRetryAfterSeconds(error)
  if (retryAfter !== null) {
    // A little jitter past Retry-After, so parallel callers do not return in the same instant.
    return Math.min(MAX_RETRY_DELAY_MS, retryAfter * 1000 + Math.floor(Math.random() * 250))
  }
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1))
  // "Equal jitter": at least half the back-off, so retries still spread out.
  return Math.floor(ceiling / 2 + Math.random() * (ceiling / 2))
}

/** The call's result, or the signal's reason as soon as it aborts (the call itself runs on). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(abortReason(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {})
      reject(abortReason(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * Runs a Clerk Backend API call, retrying what a retry can fix: a 429 after its `Retry-After`,
 * a 5xx or a network failure after a bounded exponential back-off with jitter (each wait at most
 * 30 s). Rejects with the call's own last error (so callers can still read its `status`), or with
 * the signal's reason as soon as the signal aborts.
 *
 * @example
 * const user = await withClerkRetries(() => clerk.users.getUser(id), { signal })
 */
export async function withClerkRetries<T>(
  call: () => Promise<T>,
  options: ClerkRetryOptions = {},
): Promise<T> {
  const { signal, onRetry } = options
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_CLERK_MAX_ATTEMPTS))
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortReason(signal)
    try {
      return await raceAbort(call(), signal)
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal)
      if (attempt >= maxAttempts || !isRetryableClerkFailure(error)) throw error
      const delayMs = retryDelayMs(error, attempt)
      onRetry?.({ attempt, delayMs, status: clerkStatusOf(error) })
      await abortableSleep(delayMs, signal)
    }
  }
}
