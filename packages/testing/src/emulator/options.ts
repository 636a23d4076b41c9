import type { RateLimitOptions } from './rate-limiter.js'
import { SVIX_RETRY_SCHEDULE_MS, SVIX_TIMEOUT_MS } from './retry-schedule.js'
import type { DeliveryAttempt } from './webhook-dispatcher.js'

export interface ClerkEmulatorOptions {
  /** Default 0: an ephemeral port. */
  port?: number
  /** Default `127.0.0.1`. */
  host?: string
  /** Endpoints that receive the webhooks; more can be added with `addWebhookEndpoint`. */
  webhookUrl?: string | string[]
  /** The endpoints' `whsec_…` secret. Default: a fresh one. */
  signingSecret?: string
  /** The Backend API key callers must send. Default: a fresh `sk_test_…`. */
  secretKey?: string
  /** Multiplies the retry schedule: `1e-5` runs Svix's 27.6 hours in about a second. Default 1. */
  timeScale?: number
  /** Delays before each attempt, from the previous failure. Default: Svix's eight. */
  retryScheduleMs?: readonly number[]
  /** How long an endpoint has to answer, in real ms (not scaled). Default 15 000, as Svix. */
  timeoutMs?: number
  /** Probability (0..1) that a message is also sent a second time, same `svix-id`. Default 0. */
  duplicateRate?: number
  /** Each message is held back a random 0..reorderWindow ms, so close ones swap. Default 0. */
  reorderWindow?: number
  /** Each attempt is delayed by a further random 0..jitter ms. Default 0. */
  jitter?: number
  /** Most webhook attempts in flight at once. Default 10; 1 delivers one at a time, in order. */
  concurrency?: number
  /** Seeds the chaos (which messages are duplicated, how long each is held). Default random. */
  seed?: number
  /** Answer 429 with `Retry-After` past this many Backend API requests. Default: no limit. */
  rateLimit?: RateLimitOptions
  /** Called after every webhook attempt, e.g. to print it. */
  onDelivery?: (attempt: DeliveryAttempt) => void
  /**
   * A JSON file that keeps the instance's keys (secret key, signing key, instance id), the
   * signing secret and the users across restarts: read at start (created when missing), written
   * atomically with mode 0600 within moments of each change and on `close()`. Without `port`, the
   * port of the last run is tried first, so the URLs and the publishable key stay the same. A
   * damaged file throws `EmulatorStateError`. `signingSecret` and `secretKey`, when given, win.
   */
  statePath?: string
}

export type ResolvedOptions = Required<
  Omit<
    ClerkEmulatorOptions,
    'webhookUrl' | 'signingSecret' | 'secretKey' | 'rateLimit' | 'onDelivery' | 'statePath'
  >
> &
  Pick<
    ClerkEmulatorOptions,
    'signingSecret' | 'secretKey' | 'rateLimit' | 'onDelivery' | 'statePath'
  > & {
    webhookUrls: string[]
  }

function check(ok: boolean, message: string): void {
  if (!ok) throw new TypeError(`startClerkEmulator: ${message}`)
}

export function checkWebhookUrl(url: string): void {
  let protocol = ''
  try {
    protocol = new URL(url).protocol
  } catch {}
  check(protocol === 'http:' || protocol === 'https:', `webhook URL must be http(s), got ${url}`)
}

/** Defaults filled in and every value checked, so a typo fails at start, not mid-test. */
export function resolveOptions(options: ClerkEmulatorOptions): ResolvedOptions {
  const webhookUrls = [options.webhookUrl ?? []].flat()
  for (const url of webhookUrls) checkWebhookUrl(url)
  const resolved: ResolvedOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    webhookUrls,
    signingSecret: options.signingSecret,
    secretKey: options.secretKey,
    timeScale: options.timeScale ?? 1,
    retryScheduleMs: options.retryScheduleMs ?? SVIX_RETRY_SCHEDULE_MS,
    timeoutMs: options.timeoutMs ?? SVIX_TIMEOUT_MS,
    duplicateRate: options.duplicateRate ?? 0,
    reorderWindow: options.reorderWindow ?? 0,
    jitter: options.jitter ?? 0,
    concurrency: options.concurrency ?? 10,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    rateLimit: options.rateLimit,
    onDelivery: options.onDelivery,
    statePath: options.statePath,
  }
  check(resolved.timeScale > 0, 'timeScale must be greater than 0')
  check(
    resolved.retryScheduleMs.length > 0 && resolved.retryScheduleMs.every((ms) => ms >= 0),
    'retryScheduleMs needs at least one delay, none negative',
  )
  check(resolved.timeoutMs > 0, 'timeoutMs must be greater than 0')
  check(resolved.duplicateRate >= 0 && resolved.duplicateRate <= 1, 'duplicateRate must be 0..1')
  check(resolved.reorderWindow >= 0, 'reorderWindow must be 0 or more ms')
  check(resolved.jitter >= 0, 'jitter must be 0 or more ms')
  check(
    Number.isInteger(resolved.concurrency) && resolved.concurrency >= 1,
    'concurrency must be a whole number ≥ 1',
  )
  check(
    resolved.signingSecret === undefined || /^whsec_[A-Za-z0-9+/]+=*$/.test(resolved.signingSecret),
    'signingSecret must be whsec_ followed by base64',
  )
  check(
    resolved.secretKey === undefined || /^sk_(test|live)_\S+$/.test(resolved.secretKey),
    'secretKey must look like sk_test_…',
  )
  check(
    resolved.statePath === undefined ||
      (typeof resolved.statePath === 'string' && resolved.statePath !== ''),
    'statePath must be a file path',
  )
  return resolved
}
