import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { Logger } from '../logging/logger.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { EnqueueOutcome, EventQueue, QueuedEvent } from '../queue/event-queue.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { UserStore } from '../store/user-store.js'
import { observeEnqueue, observeWebhook } from '../telemetry/webhook-telemetry.js'
import { withDeadline } from '../timing/with-deadline.js'
import {
  clerkEventEnvelopeSchema,
  describeIssues,
  isHandledEventType,
  type UserEvent,
  userEventSchema,
} from '../webhook/clerk-event.js'
import { type HeadersInput, readSvixHeaders } from '../webhook/headers.js'
import type { SignatureVerifier } from '../webhook/verify-signature.js'
import { alreadyParsedMessage } from './body-already-parsed.js'
import { describeStoreError } from './guarded-store.js'
import { DEFAULT_QUEUE_TIMEOUT_MS } from './options.js'
import { exceedsUtf8Bytes } from './read-body.js'
import { handleUserEvent } from './user-event-handlers.js'
import type { WebhookResult } from './webhook-result.js'

export interface ProcessWebhookInput {
  /** The raw body exactly as received: a string, a Buffer or a Uint8Array. */
  body: string | Uint8Array
  headers: HeadersInput
  /** When given, anything but POST is answered 405. */
  method?: string
}

export interface WebhookProcessorDeps<R extends string> {
  verifier: SignatureVerifier
  store: UserStore<R>
  maxBodyBytes: number
  logger: Logger
  toSyncedUser(userJson: ClerkUserJSON): Promise<SyncedUser<R>>
  onEvent?: (result: WebhookResult<R>) => void | Promise<void>
  linkLegacyUser?: (appId: string, clerkId: string) => Promise<void>
  /** Waits (bounded) for this process's set-role of a user before a webhook writes that user. */
  roleChangesSettled?: (userId: string) => Promise<void> | undefined
  /** Queue mode: verified user events are stored here and applied by workers. */
  queue?: EventQueue
  /** Queue mode: how long an enqueue may take before the delivery is answered 500, in ms. */
  queueTimeoutMs?: number
}

/** The answer when a framework handed over a parsed object (or a read body) instead of the raw bytes. */
export function alreadyParsedResult<R extends string>(
  message = alreadyParsedMessage(),
): WebhookResult<R> {
  return { status: 500, outcome: 'failed', code: ErrorCode.BODY_ALREADY_PARSED, message }
}

/** The client went away (or lied about the length) before the body was whole: nothing is done. */
export function bodyUnreadableResult<R extends string>(): WebhookResult<R> {
  return reject(
    400,
    ErrorCode.BODY_UNREADABLE,
    'The request body could not be read to its end (the client aborted or the connection failed)',
  )
}

export function bodyTooLargeResult<R extends string>(maxBodyBytes: number): WebhookResult<R> {
  return reject(413, ErrorCode.BODY_TOO_LARGE, `Body exceeds ${maxBodyBytes} bytes`)
}

function reject<R extends string>(
  status: number,
  code: ErrorCode,
  message: string,
  extra: Partial<WebhookResult<R>> = {},
): WebhookResult<R> {
  return { status, outcome: 'rejected', code, message, ...extra }
}

/** The event type of `clerk-sync check`'s probe; Clerk never sends it. */
export const CHECK_EVENT_TYPE = 'clerk-sync.check'

/**
 * A correctly signed event clerk-sync cannot use (not JSON, not a Clerk event, a user event
 * without a usable id or updated_at). It came from Clerk, so acknowledging it would lose it for
 * good; 422 makes Svix retry it for about 28 hours, shows it failed in the Clerk Dashboard, and
 * leaves it there to replay once clerk-sync understands it. Never 5xx: nothing on the app's side failed.
 */
function unusable<R extends string>(
  code: typeof ErrorCode.BODY_NOT_JSON | typeof ErrorCode.EVENT_INVALID,
  message: string,
  extra: Partial<WebhookResult<R>>,
): WebhookResult<R> {
  return reject(422, code, message, extra)
}

/** How each `EnqueueOutcome` is answered (all 200: the event is, or already was, stored). */
const enqueueAnswers: Record<
  EnqueueOutcome,
  { outcome: 'queued' | 'duplicate'; message(eventId: string, userId: string): string }
> = {
  queued: {
    outcome: 'queued',
    message: (eventId, userId) => `Event ${eventId} queued for user ${userId}`,
  },
  // Dedupe on the svix-id: the waiting (or running) job applies it.
  'already-queued': {
    outcome: 'duplicate',
    message: (eventId) => `Event ${eventId} is already queued; skipped`,
  },
  // A redelivery of a dead-lettered event: it runs again rather than being acknowledged as done.
  requeued: {
    outcome: 'queued',
    message: (eventId, userId) =>
      `Event ${eventId} was dead-lettered; queued again for user ${userId}`,
  },
}

/** The webhook pipeline: size, headers, signature, JSON, event shape, then the store (or queue). */
export function createWebhookProcessor<R extends string>(deps: WebhookProcessorDeps<R>) {
  const { verifier, store, maxBodyBytes, logger } = deps
  // Keep a BOM, as a string body would: the signature covers the bytes as sent. Fatal: svix
  // verifies text, and a lossy decode would check the signature against other bytes than were sent.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true })

  async function run(input: ProcessWebhookInput): Promise<WebhookResult<R>> {
    if (input.method !== undefined && input.method.toUpperCase() !== 'POST') {
      return reject(
        405,
        ErrorCode.METHOD_NOT_ALLOWED,
        `Method ${input.method} not allowed; Clerk webhooks are POST`,
      )
    }
    const { body } = input
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return alreadyParsedResult()
    }
    const tooLarge =
      typeof body === 'string'
        ? exceedsUtf8Bytes(body, maxBodyBytes)
        : body.byteLength > maxBodyBytes
    if (tooLarge) return bodyTooLargeResult(maxBodyBytes)

    const headers = readSvixHeaders(input.headers)
    if (!headers.ok) return reject(400, ErrorCode.HEADERS_INVALID, headers.message)
    const eventId = headers.headers.id

    let text: string
    try {
      text = typeof body === 'string' ? body : decoder.decode(body)
    } catch {
      // Clerk sends UTF-8 JSON; these bytes cannot be an event (and svix cannot verify them as sent).
      return reject(400, ErrorCode.BODY_NOT_JSON, 'The body is not valid UTF-8, so not JSON', {
        eventId,
      })
    }
    const verified = verifier.verify(text, headers.headers)
    if (!verified.ok) {
      if (verified.code === ErrorCode.BODY_NOT_JSON)
        return unusable(verified.code, verified.message, { eventId })
      return reject(400, verified.code, verified.message, { eventId })
    }

    // A user event, the common case, is checked once: the user schema includes the envelope's
    // checks, so its success is the two checks' success. Anything else (another type, or an
    // event either check refuses) goes the two-step way below, which words the answer.
    const payload = verified.payload as { type?: unknown } | null
    if (
      typeof payload === 'object' &&
      payload !== null &&
      typeof payload.type === 'string' &&
      isHandledEventType(payload.type)
    ) {
      const parsed = userEventSchema.safeParse(payload)
      if (parsed.success) return applyUserEvent(parsed.data, eventId, payload)
    }
    const envelope = clerkEventEnvelopeSchema.safeParse(verified.payload)
    if (!envelope.success) {
      return unusable(
        ErrorCode.EVENT_INVALID,
        `Not a Clerk event: ${describeIssues(envelope.error)}`,
        { eventId },
      )
    }
    const eventType = envelope.data.type
    if (eventType === CHECK_EVENT_TYPE) return checkReadiness(eventId)
    if (!isHandledEventType(eventType)) {
      return {
        status: 200,
        outcome: 'ignored',
        message: `Event type ${eventType} is not handled; acknowledged`,
        eventId,
        eventType,
      }
    }
    const parsed = userEventSchema.safeParse(verified.payload)
    if (!parsed.success) {
      return unusable(
        ErrorCode.EVENT_INVALID,
        `Invalid ${eventType} event: ${describeIssues(parsed.error)}`,
        {
          eventId,
          eventType,
        },
      )
    }
    return applyUserEvent(parsed.data, eventId, verified.payload as object)
  }

  /**
   * Direct mode writes the event now; queue mode stores it for a worker and never touches the
   * store here. `payload` is the verified JSON as sent, which is what the queue keeps.
   */
  function applyUserEvent(
    event: UserEvent,
    eventId: string,
    payload: object,
  ): Promise<WebhookResult<R>> {
    if (deps.queue) return enqueueUserEvent(deps.queue, event, eventId, payload)
    return writeUserEvent(event, eventId, new Date())
  }

  /** The write itself: direct mode's answer, and what a queue worker runs for each job. */
  async function writeUserEvent(
    event: UserEvent,
    eventId: string,
    receivedAt: Date,
  ): Promise<WebhookResult<R>> {
    const eventType = event.type
    const userId = event.data.id
    try {
      const outcome = await handleUserEvent(event, {
        store,
        toSyncedUser: deps.toSyncedUser,
        ...(deps.linkLegacyUser ? { linkLegacyUser: deps.linkLegacyUser } : {}),
        ...(deps.roleChangesSettled ? { roleChangesSettled: deps.roleChangesSettled } : {}),
        event: { id: eventId, type: eventType, receivedAt },
      })
      return { status: 200, eventId, eventType, ...outcome }
    } catch (error) {
      const code = error instanceof ClerkSyncError ? error.code : ErrorCode.STORE_FAILED
      const reason = error instanceof Error ? error.message : String(error)
      return {
        status: 500,
        outcome: 'failed',
        code,
        message: `Error syncing user ${userId}: ${reason}; answered 500 so Svix retries`,
        eventId,
        eventType,
        userId,
      }
    }
  }

  /** Queue mode: the answer is 200 only once the job is stored; a worker applies it later. */
  async function enqueueUserEvent(
    queue: EventQueue,
    event: UserEvent,
    eventId: string,
    payload: object,
  ): Promise<WebhookResult<R>> {
    const eventType = event.type
    const userId = event.data.id
    const queued: QueuedEvent = {
      eventId,
      eventType,
      userId,
      payload: payload as Record<string, unknown>,
      receivedAt: Date.now(),
    }
    const failed = (reason: string): WebhookResult<R> => ({
      status: 500,
      outcome: 'failed',
      code: ErrorCode.QUEUE_FAILED,
      message: `Error queueing event ${eventId} for user ${userId}: ${reason}; answered 500 so Svix retries`,
      eventId,
      eventType,
      userId,
    })
    let outcome: EnqueueOutcome
    try {
      // A silent database must not hold the answer past Svix's 15 s: answer 500 at the deadline.
      // Should the job still commit later, Svix's retry of this delivery collapses on its svix-id.
      const timeoutMs = deps.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS
      outcome = await observeEnqueue(queue.description, queued, (event) =>
        withDeadline(
          Promise.resolve().then(() => queue.enqueue(event)),
          timeoutMs,
          `${queue.description} did not store the job within ${timeoutMs} ms`,
        ),
      )
    } catch (error) {
      // The engine's error as a store's would be logged: first line, emails masked, its code.
      return failed(describeStoreError(error))
    }
    const answer = Object.hasOwn(enqueueAnswers, outcome) ? enqueueAnswers[outcome] : undefined
    // An adapter answering anything else breaks the contract: nothing says the job is stored.
    if (!answer) return failed(`${queue.description} answered enqueue with ${String(outcome)}`)
    return {
      status: 200,
      outcome: answer.outcome,
      message: answer.message(eventId, userId),
      eventId,
      eventType,
      userId,
    }
  }

  /**
   * The signed probe `clerk-sync check --secret` sends: proves the secret and asks the store
   * whether its tables exist. Only a caller holding the signing secret learns the answer.
   */
  async function checkReadiness(eventId: string): Promise<WebhookResult<R>> {
    const canCheck = typeof store.checkSchema === 'function'
    const notReady = (code: ErrorCode, message: string): WebhookResult<R> => ({
      status: 500,
      outcome: 'failed',
      code,
      message,
      eventId,
      eventType: CHECK_EVENT_TYPE,
    })
    try {
      await store.checkSchema?.()
    } catch (error) {
      return notReady(
        error instanceof ClerkSyncError ? error.code : ErrorCode.STORE_FAILED,
        error instanceof Error ? error.message : String(error),
      )
    }
    // Queue mode: a delivery would be stored in the queue, so it must answer too.
    if (deps.queue) {
      try {
        await deps.queue.stats()
      } catch (error) {
        return notReady(
          ErrorCode.QUEUE_FAILED,
          `The queue (${deps.queue.description}) did not answer: ${describeStoreError(error)}`,
        )
      }
    }
    const queueReady = deps.queue ? `; the queue (${deps.queue.description}) answered` : ''
    return {
      status: 200,
      outcome: 'ignored',
      message: canCheck
        ? `clerk-sync is ready: the signature matched and the store's tables exist${queueReady}`
        : `clerk-sync is ready: the signature matched (this store cannot check its tables)${queueReady}`,
      eventId,
      eventType: CHECK_EVENT_TYPE,
    }
  }

  function log(result: WebhookResult<R>): void {
    const fields = {
      eventId: result.eventId,
      eventType: result.eventType,
      userId: result.userId,
      outcome: result.outcome,
      status: result.status,
      code: result.code,
      queueDelayMs: result.queue?.delayMs,
    }
    switch (result.outcome) {
      case 'applied':
      case 'queued':
      case 'duplicate':
      case 'stale':
      case 'ignored':
        logger.info(result.message, fields)
        return
      case 'rejected':
        // By status, not code: bytes that are not UTF-8 are BODY_NOT_JSON too, but unverified (400).
        if (result.status === 422) {
          // Signed by Clerk, so worth a developer's attention: Svix keeps retrying until fixed.
          logger.error(
            `Error processing webhook: ${result.message}; answered 422, so Svix retries it for about 28 hours and it can be replayed from the Clerk Dashboard once fixed`,
            fields,
          )
        } else if (result.code === ErrorCode.BODY_UNREADABLE) {
          logger.warn(`Webhook request abandoned: ${result.message}`, fields)
        } else {
          logger.warn(`Error verifying webhook: ${result.message}`, fields)
        }
        return
      case 'failed':
        logger.error(result.message, fields)
        return
    }
  }

  /** Logs the result once and hands it to `onEvent`; every answer passes through here. */
  async function report(result: WebhookResult<R>): Promise<WebhookResult<R>> {
    log(result)
    if (deps.onEvent) {
      try {
        await deps.onEvent(result)
      } catch (error) {
        logger.warn(
          `onEvent threw and was ignored: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
    return result
  }

  return {
    /** Logs a worker's result and hands it to `onEvent` (the worker traces and counts it). */
    report,
    writeUserEvent,
    /** One delivery: answered, logged, handed to `onEvent`, traced and counted. */
    process(input: ProcessWebhookInput): Promise<WebhookResult<R>> {
      return observeWebhook(async () => report(await run(input)))
    },
    /** A delivery answered before `process` (its body could not be read), reported the same way. */
    answerUnread(result: WebhookResult<R>): Promise<WebhookResult<R>> {
      return observeWebhook(() => report(result))
    },
  }
}
