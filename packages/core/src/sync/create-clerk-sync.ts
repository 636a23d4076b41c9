import { type BackfillOptions, type BackfillResult, runBackfill } from '../backfill/backfill.js'
import { type ReconcileOptions, type ReconcileResult, runReconcile } from '../backfill/reconcile.js'
import { integerOption } from '../config/integer-option.js'
import { resolveSigningSecrets } from '../config/signing-secret.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { consoleLogger, type Logger } from '../logging/logger.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import { mapClerkUser } from '../mapping/map-clerk-user.js'
import { assertEventQueue } from '../queue/assert-event-queue.js'
import type { EventQueue, QueueStats } from '../queue/event-queue.js'
import {
  type QueueWorker,
  type StartWorkerOptions,
  startQueueWorker,
} from '../queue/queue-worker.js'
import { type DefaultRole, defaultRoles, type RoleDefinition } from '../roles/define-roles.js'
import {
  createRoleChangeGate,
  ROLE_CHANGE_WAIT_MS,
  roleChangeGateKey,
} from '../roles/role-change-gate.js'
import { withGroupCommit } from '../store/group-commit.js'
import { SYNCED_USER_FIELDS, type SyncedUser } from '../store/synced-user.js'
import type { UserStore } from '../store/user-store.js'
import type { HeadersInput } from '../webhook/headers.js'
import { createSignatureVerifier } from '../webhook/verify-signature.js'
import { alreadyParsedMessage } from './body-already-parsed.js'
import { type DirectWebhook, directWebhook } from './direct-webhook.js'
import { assertUserStore, guardStore } from './guarded-store.js'
import {
  type ClerkSyncOptions,
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_QUEUE_TIMEOUT_MS,
  DEFAULT_TOLERANCE_SECONDS,
} from './options.js'
import {
  alreadyParsedResult,
  bodyTooLargeResult,
  bodyUnreadableResult,
  createWebhookProcessor,
  type ProcessWebhookInput,
} from './process-webhook.js'
import { type ReadBodyResult, readBodyWithCap } from './read-body.js'
import { webhookResponse } from './webhook-response.js'
import type { WebhookResult } from './webhook-result.js'

export interface ClerkSync<R extends string = DefaultRole> {
  /** For fetch-style frameworks (Next.js App Router, Hono, Bun, Deno): Request in, Response out. */
  handleWebhook(request: Request): Promise<Response>
  /** For Node-style frameworks: hand over the raw body and the headers, answer with `status`. */
  processWebhook(input: ProcessWebhookInput): Promise<WebhookResult<R>>
  /** The store, with every failure wrapped in `ClerkSyncError('STORE_FAILED')`. */
  readonly store: UserStore<R>
  readonly roles: RoleDefinition<R>
  readonly logger: Logger
  readonly maxBodyBytes: number
  /** Clerk user JSON to `SyncedUser`, with the app's `mapUser` extras: what webhooks write. */
  toSyncedUser(userJson: ClerkUserJSON): Promise<SyncedUser<R>>
  /** Forgets processed event ids older than `olderThan` (default: 30 days ago). */
  pruneEvents(options?: { olderThan?: Date }): Promise<number>
  /**
   * Imports the users Clerk already has into the store, under the same version guard as webhooks
   * (a newer webhook write and a tombstone always win). Switch the webhook on first, then backfill.
   */
  backfill(options: BackfillOptions): Promise<BackfillResult>
  /**
   * Compares the store with Clerk: users missing locally, gone from Clerk, or with differing
   * fields; with `apply`, repairs each through the same guarded paths.
   */
  reconcile(options: ReconcileOptions): Promise<ReconcileResult>
  /**
   * Queue mode: starts applying queued events in this process (a worker process, or beside the
   * web server). Stop it before closing the store.
   */
  startWorker(options?: StartWorkerOptions): Promise<QueueWorker>
  /** Queue mode: queue depth, active and dead-lettered jobs, and the age of the oldest waiting one. */
  queueStats(): Promise<QueueStats>
  /**
   * Queue mode: moves dead-lettered events back to the queue, oldest first; resolves with how
   * many moved. Without `limit`, every dead letter; with it, at most `limit`.
   */
  replayDeadEvents(options?: { limit?: number }): Promise<number>
}

// mapUser's extras may not reuse a name clerk-sync writes itself.
const syncedUserKeys = new Set<string>(['id', 'extra', ...SYNCED_USER_FIELDS])

/** createClerkSync's integer options, refused with CONFIG_INVALID outside [min, max]. */
function checkNumberOption(name: string, value: unknown, min: number, max: number): number {
  return integerOption('createClerkSync', name, value, min, max)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * @example
 * const sync = createClerkSync({ store: new MemoryStore() })
 * export const POST = (request: Request) => sync.handleWebhook(request)
 */
export function createClerkSync<R extends string = DefaultRole>(
  options: ClerkSyncOptions<R>,
): ClerkSync<R> {
  if (typeof options !== 'object' || options === null) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'createClerkSync: options are required, at least { store }.',
    )
  }
  const secrets = resolveSigningSecrets(options.signingSecret)
  assertUserStore(options.store)
  if (options.queue !== undefined) assertEventQueue(options.queue)
  const roles = options.roles ?? (defaultRoles as unknown as RoleDefinition<R>)
  const toleranceSeconds = checkNumberOption(
    'toleranceSeconds',
    options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    1,
    DEFAULT_TOLERANCE_SECONDS,
  )
  const maxBodyBytes = checkNumberOption(
    'maxBodyBytes',
    options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    1,
    2 ** 31 - 1,
  )
  const queueTimeoutMs = checkNumberOption(
    'queueTimeoutMs',
    options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
    1,
    2 ** 31 - 1,
  )
  const logger = options.logger ?? consoleLogger()
  const groupCommit = options.groupCommit ?? true
  const store = guardStore(
    groupCommit === false
      ? (options.store as UserStore<R>)
      : withGroupCommit(options.store as UserStore<R>, groupCommit === true ? {} : groupCommit),
    { logger },
  )
  const { mapUser } = options

  async function toSyncedUser(userJson: ClerkUserJSON): Promise<SyncedUser<R>> {
    const user = mapClerkUser(userJson, roles, {
      onWarning: (message) => logger.warn(message, { userId: userJson.id }),
    })
    if (!mapUser) return user
    let extra: unknown
    try {
      // A deep copy: the Dates inside must not be writable either (updatedAt is the version).
      extra = await mapUser(structuredClone(userJson), Object.freeze(structuredClone(user)))
    } catch (error) {
      throw new ClerkSyncError(
        ErrorCode.MAP_USER_FAILED,
        `mapUser threw for user ${user.id}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    if (extra === undefined) return user
    if (!isPlainObject(extra)) {
      throw new ClerkSyncError(
        ErrorCode.MAP_USER_FAILED,
        'mapUser must return a plain object of extra columns (or undefined).',
      )
    }
    const reserved = Object.keys(extra).filter((key) => syncedUserKeys.has(key))
    if (reserved.length) {
      throw new ClerkSyncError(
        ErrorCode.MAP_USER_FAILED,
        `mapUser returned ${reserved.join(', ')}, which clerk-sync owns; give extra columns other names.`,
      )
    }
    return { ...user, extra }
  }

  const roleChanges = createRoleChangeGate()
  const processor = createWebhookProcessor<R>({
    verifier: createSignatureVerifier(secrets, toleranceSeconds),
    store,
    maxBodyBytes,
    logger,
    toSyncedUser,
    roleChangesSettled: (userId) => roleChanges.settled(userId, ROLE_CHANGE_WAIT_MS),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.linkLegacyUser ? { linkLegacyUser: options.linkLegacyUser } : {}),
    ...(options.queue ? { queue: options.queue, queueTimeoutMs } : {}),
  })

  function requireQueue(method: string): EventQueue {
    if (!options.queue) {
      throw new ClerkSyncError(
        ErrorCode.QUEUE_MODE_REQUIRED,
        `sync.${method}() needs queue mode: pass createClerkSync({ queue }) (from @clerk-sync/queue-pg-boss).`,
      )
    }
    return options.queue
  }

  /** A POST's answer once its body was read with the cap (or could not be). */
  function answerRead(
    method: string,
    headers: HeadersInput,
    read: ReadBodyResult,
  ): Promise<WebhookResult<R>> {
    if (read.ok) return processor.process({ method, body: read.body, headers })
    const result =
      read.reason === 'too_large'
        ? bodyTooLargeResult<R>(maxBodyBytes)
        : read.reason === 'unreadable'
          ? bodyUnreadableResult<R>()
          : alreadyParsedResult<R>(read.message ?? alreadyParsedMessage('fetch'))
    return processor.answerUnread(result)
  }

  const sync: ClerkSync<R> = {
    async handleWebhook(request) {
      const { method, headers } = request
      if (method.toUpperCase() !== 'POST') {
        return webhookResponse(await processor.process({ method, body: '', headers }))
      }
      return webhookResponse(
        await answerRead(method, headers, await readBodyWithCap(request, maxBodyBytes)),
      )
    },
    processWebhook: processor.process,
    store,
    roles,
    logger,
    maxBodyBytes,
    toSyncedUser,
    pruneEvents({ olderThan } = {}) {
      const cutoff =
        olderThan ?? new Date(Date.now() - DEFAULT_EVENT_RETENTION_DAYS * 24 * 60 * 60 * 1000)
      return store.pruneEvents({ olderThan: cutoff })
    },
    backfill: (backfillOptions) => runBackfill({ store, toSyncedUser, logger }, backfillOptions),
    reconcile: (reconcileOptions) =>
      runReconcile({ store, toSyncedUser, logger }, reconcileOptions),
    async startWorker(workerOptions) {
      return startQueueWorker(
        {
          queue: requireQueue('startWorker'),
          logger,
          write: (queued, event) =>
            processor.writeUserEvent(event, queued.eventId, new Date(queued.receivedAt)),
          report: processor.report,
        },
        workerOptions,
      )
    },
    async queueStats() {
      return requireQueue('queueStats').stats()
    },
    async replayDeadEvents(replayOptions) {
      return requireQueue('replayDeadEvents').replayDead(replayOptions)
    },
  }
  const direct: DirectWebhook = {
    handleWebhook: sync.handleWebhook,
    maxBodyBytes,
    answer: answerRead,
  }
  Object.defineProperty(sync, directWebhook, { value: direct })
  Object.defineProperty(sync, roleChangeGateKey, { value: roleChanges })
  return sync
}
