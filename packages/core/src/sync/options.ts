import type { Logger } from '../logging/logger.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { EventQueue } from '../queue/event-queue.js'
import type { RoleDefinition } from '../roles/define-roles.js'
import type { GroupCommitOptions } from '../store/group-commit.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { UserStore } from '../store/user-store.js'
import type { WebhookResult } from './webhook-result.js'

export const DEFAULT_TOLERANCE_SECONDS = 300
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/**
 * How long processed event ids are kept by `pruneEvents()`: far beyond Svix's ~28-hour retry
 * window and the dashboard's replays. A replay older than this is still harmless: the version
 * guard and tombstones make it stale.
 */
export const DEFAULT_EVENT_RETENTION_DAYS = 30
/** Queue mode's enqueue deadline: well inside the 15 s Svix gives a delivery. */
export const DEFAULT_QUEUE_TIMEOUT_MS = 10_000

export interface ClerkSyncOptions<R extends string> {
  /**
   * The endpoint's `whsec_…` secret, or several during a key rotation. Default: the
   * `CLERK_WEBHOOK_SIGNING_SECRET` environment variable, then `CLERK_WEBHOOK_SECRET`.
   */
  signingSecret?: string | readonly string[]
  /** Any `UserStore`; it need not be typed with your roles (what it holds was written through here). */
  store: UserStore<string>
  /** Made by `defineRoles`. Default: `admin`, `trainer`, `client`; new users are `client`. */
  roles?: RoleDefinition<R>
  /** How far `svix-timestamp` may be from now, in seconds: 1..300, default 300. */
  toleranceSeconds?: number
  /** Larger bodies get 413 before any signature work. Default 1 MiB. */
  maxBodyBytes?: number
  /**
   * Group commit: webhook upserts that arrive while earlier writes are running share one
   * statement and one commit, on stores that have `upsertUserBatch` (Drizzle, `MemoryStore`).
   * Nothing waits on a timer, so a quiet server still writes each delivery at once; under load it
   * answers more deliveries per second with fewer connections. Default on (`{ maxBatch: 64,
   * maxInFlight: 4 }`); `false` writes every delivery on its own.
   */
  groupCommit?: boolean | GroupCommitOptions
  /** Default: one `[clerk-sync]` console line per event, debug dropped. */
  logger?: Logger
  /** Called with every result, for metrics. Its errors are logged and otherwise ignored. */
  onEvent?: (result: WebhookResult<R>) => void | Promise<void>
  /**
   * Extra columns for your users table, computed from Clerk's user JSON. The result lands in
   * `SyncedUser.extra`; it cannot change `id`, `updatedAt` or `role`, which the version guard and
   * role security rely on.
   */
  mapUser?: (
    clerkUser: ClerkUserJSON,
    mapped: Readonly<SyncedUser<R>>,
  ) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>
  /**
   * For apps importing their own users into Clerk (`importLegacyUsers`): on a `user.created`
   * whose `external_id` is set, clerk-sync awaits `linkLegacyUser(external_id, user.id)` before it
   * writes the user, so the app's existing row gets its Clerk id first and the webhook updates
   * that row instead of inserting a second one, whether the webhook or the import's own link-back
   * lands first. Pass the import source's `link` (idempotent). If it throws, the delivery is
   * answered 500 and Svix retries it.
   */
  linkLegacyUser?: (appId: string, clerkId: string) => Promise<void>
  /**
   * Queue mode: the webhook verifies the event, stores it in this durable queue and answers 200
   * once the job is committed (500 when it cannot be stored, so Svix retries); workers started
   * with `sync.startWorker()` apply it through the same guarded write. From
   * `@clerk-sync/queue-pg-boss`. Default: none, every delivery is written before it is answered.
   */
  queue?: EventQueue
  /**
   * Queue mode: how long storing one job may take, in ms (1 to 2147483647, default 10000). A
   * queue database that stops answering would otherwise hold the delivery past the 15 s Svix
   * waits; at the deadline it is answered 500 `QUEUE_FAILED` and Svix retries. Should the late
   * job still commit, the retry collapses on its `svix-id` (answered 200 duplicate) and the
   * event is applied once.
   */
  queueTimeoutMs?: number
}
