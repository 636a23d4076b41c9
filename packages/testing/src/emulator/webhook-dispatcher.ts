import { setMaxListeners } from 'node:events'
import { signWebhook } from '../sign-webhook.js'
import { sendAttempt } from './send-attempt.js'

export interface WebhookEndpoint {
  url: string
  /** The endpoint's `whsec_…` secret. */
  signingSecret: string
}

/** One line of the delivery log: one HTTP attempt of one message to one endpoint. */
export interface DeliveryAttempt {
  /** `svix-id`: the same on every attempt and duplicate of a message. */
  messageId: string
  eventType: string
  url: string
  /** 1-based position in the retry schedule. A duplicate repeats attempt 1. */
  attempt: number
  /** A chaos copy of the message (`duplicateRate`), sent besides the scheduled attempts. */
  duplicate: boolean
  /** HTTP status, or null when no answer came. */
  status: number | null
  /** True for a 2xx answer. */
  ok: boolean
  /** The last attempt of this message to this endpoint: a 2xx, or the schedule used up. */
  final: boolean
  /** `timeout`, a socket error code such as `ECONNREFUSED`, or null. */
  error: string | null
  latencyMs: number
  /** When the attempt started, ms since the epoch. */
  startedAt: number
  /** The `svix-timestamp` sent, in seconds: fresh on every attempt, as is the signature. */
  svixTimestamp: number
  /** The first 2 KiB of the answer. */
  responseBody: string
}

export interface DispatcherOptions {
  /** Delays before each attempt, from the previous failure (Svix's by default). */
  retryScheduleMs: readonly number[]
  /** Multiplies the schedule: `1e-5` runs Svix's 27.6 hours in about a second. */
  timeScale: number
  timeoutMs: number
  duplicateRate: number
  /** Each message (and duplicate) is held back a random 0..reorderWindow ms before it is sent. */
  reorderWindow: number
  /** Each attempt is further delayed by a random 0..jitter ms. */
  jitter: number
  /** Most attempts in flight at once, over all endpoints. */
  concurrency: number
  random: () => number
  onAttempt?: (attempt: DeliveryAttempt) => void
}

interface Message {
  id: string
  type: string
  body: string
}

interface Task {
  message: Message
  endpoint: WebhookEndpoint
  attempts: number
}

const USER_AGENT = 'Svix-Webhooks/1.0 (clerk-sync emulator)'

/**
 * Delivers messages the way Svix does: each to every endpoint, signed per attempt, retried on
 * the schedule until a 2xx or the schedule runs out. Keeps the log `deliveries()` reads.
 */
export class WebhookDispatcher {
  readonly #options: DispatcherOptions
  readonly #endpoints: WebhookEndpoint[] = []
  readonly #log: DeliveryAttempt[] = []
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #abort = new AbortController()
  readonly #slotQueue: Array<() => void> = []
  #active = 0
  #pending = 0
  #idle: Array<() => void> = []
  #closed = false

  constructor(options: DispatcherOptions) {
    this.#options = options
    // Every attempt in flight listens for close(); past 10 (concurrency 32, say) Node would warn
    // of a leak that is not one. The listeners are removed as attempts finish.
    setMaxListeners(0, this.#abort.signal)
  }

  addEndpoint(endpoint: WebhookEndpoint): void {
    this.#endpoints.push({ ...endpoint })
  }

  get endpoints(): WebhookEndpoint[] {
    return this.#endpoints.map((endpoint) => ({ ...endpoint }))
  }

  deliveries(): DeliveryAttempt[] {
    return this.#log.map((entry) => ({ ...entry }))
  }

  /** Number of messages (per endpoint) and duplicates not yet finished. */
  get pending(): number {
    return this.#pending
  }

  /** Queues `message` for every endpoint registered now, as Svix fans a message out. */
  enqueue(message: Message): void {
    if (this.#closed) return
    const { random, reorderWindow, duplicateRate } = this.#options
    for (const endpoint of this.#endpoints) {
      const task: Task = { message, endpoint, attempts: 0 }
      this.#pending++
      this.#later(random() * reorderWindow + this.#delayBefore(0), () => this.#attempt(task, false))
      if (duplicateRate > 0 && random() < duplicateRate) {
        this.#pending++
        this.#later(random() * reorderWindow, () => this.#attempt(task, true))
      }
    }
  }

  /** Resolves once every queued message has succeeded or used up its attempts. */
  flush(timeoutMs?: number): Promise<void> {
    if (this.#pending === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = () => {
        if (timer) clearTimeout(timer)
        resolve()
      }
      this.#idle.push(done)
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#idle = this.#idle.filter((waiter) => waiter !== done)
          reject(
            new Error(`flush: ${this.#pending} deliveries still pending after ${timeoutMs} ms`),
          )
        }, timeoutMs)
      }
    })
  }

  /** Stops everything: pending retries are dropped, attempts in flight aborted. */
  close(): void {
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    this.#abort.abort()
    this.#pending = 0
    this.#settle()
  }

  #delayBefore(attemptIndex: number): number {
    const { retryScheduleMs, timeScale, jitter, random } = this.#options
    return (retryScheduleMs[attemptIndex] ?? 0) * timeScale + random() * jitter
  }

  // Unref'd: a pending retry hours away must not keep a test process alive after close().
  #later(delayMs: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void run()
    }, delayMs)
    timer.unref()
    this.#timers.add(timer)
  }

  async #attempt(task: Task, duplicate: boolean): Promise<void> {
    await this.#acquireSlot()
    if (this.#closed) return this.#releaseSlot()
    const { message, endpoint } = task
    const startedAt = Date.now()
    const svixTimestamp = Math.floor(startedAt / 1000)
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...signWebhook({
        secret: endpoint.signingSecret,
        body: message.body,
        id: message.id,
        timestamp: svixTimestamp,
      }),
    }
    const result = await sendAttempt(
      endpoint.url,
      headers,
      message.body,
      this.#options.timeoutMs,
      this.#abort.signal,
    )
    this.#releaseSlot()
    if (this.#closed) return
    if (!duplicate) task.attempts++
    const ok = result.status !== null && result.status >= 200 && result.status < 300
    const final = !duplicate && (ok || task.attempts >= this.#options.retryScheduleMs.length)
    const entry: DeliveryAttempt = {
      messageId: message.id,
      eventType: message.type,
      url: endpoint.url,
      attempt: duplicate ? 1 : task.attempts,
      duplicate,
      ok,
      final,
      startedAt,
      svixTimestamp,
      ...result,
    }
    this.#log.push(entry)
    this.#options.onAttempt?.({ ...entry })
    if (duplicate || final) {
      this.#finishOne()
    } else {
      this.#later(this.#delayBefore(task.attempts), () => this.#attempt(task, false))
    }
  }

  #acquireSlot(): Promise<void> {
    if (this.#active < this.#options.concurrency) {
      this.#active++
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#slotQueue.push(resolve))
  }

  // The slot passes straight to the next waiter, so `#active` never dips and overshoots.
  #releaseSlot(): void {
    const next = this.#slotQueue.shift()
    if (next) next()
    else this.#active--
  }

  #finishOne(): void {
    this.#pending--
    if (this.#pending === 0) this.#settle()
  }

  #settle(): void {
    const waiters = this.#idle
    this.#idle = []
    for (const waiter of waiters) waiter()
  }
}
