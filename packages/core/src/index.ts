export type {
  BackfillOptions,
  BackfillProgress,
  BackfillResult,
} from './backfill/backfill.js'
export type { BackfillCheckpoint } from './backfill/checkpoint.js'
export type {
  DriftItem,
  ReconcileOptions,
  ReconcileProgress,
  ReconcileResult,
} from './backfill/reconcile.js'
export type {
  ClerkCreateUserParams,
  ClerkUser,
  ClerkUserListParams,
  ClerkUsersApi,
} from './clerk-api/clerk-users-api.js'
export {
  type ClerkRetryInfo,
  type ClerkRetryOptions,
  withClerkRetries,
} from './clerk-api/with-clerk-retries.js'
export { resolveSigningSecrets, SIGNING_SECRET_ENV_VARS } from './config/signing-secret.js'
export { ClerkSyncError, ErrorCode, isClerkSyncError } from './errors/clerk-sync-error.js'
export { importLegacyUsers } from './legacy/import-legacy-users.js'
export type {
  LegacyImportItem,
  LegacyImportOptions,
  LegacyImportOutcome,
  LegacyImportProgress,
  LegacyImportResult,
  LegacyUser,
  LegacyUserSource,
} from './legacy/legacy-user.js'
export { PASSWORD_HASHERS, type PasswordHasher } from './legacy/password-hasher.js'
export { consoleLogger, type LogFields, type Logger, silentLogger } from './logging/logger.js'
export type {
  ClerkEmailAddressJSON,
  ClerkPhoneNumberJSON,
  ClerkUserJSON,
} from './mapping/clerk-user-json.js'
export { type MapClerkUserOptions, mapClerkUser } from './mapping/map-clerk-user.js'
export type { EventQueue, QueueStats } from './queue/event-queue.js'
export type { QueueWorker, StartWorkerOptions } from './queue/queue-worker.js'
export { type ClerkAuthLike, callerFromClerkAuth } from './roles/caller-from-auth.js'
export type { ClerkClientLike, ClerkUserResource } from './roles/clerk-client.js'
export {
  type DefaultRole,
  defaultRoles,
  defineRoles,
  type RoleDefinition,
  type RoleDefinitionInput,
} from './roles/define-roles.js'
export {
  type BulkRoleResult,
  createRoleManager,
  type RoleChecks,
  type RoleManager,
  type RoleManagerCore,
  type RoleManagerOptions,
} from './roles/role-manager.js'
export {
  createSetRoleHandler,
  SET_ROLE_MAX_BODY_BYTES,
  type SetRoleHandlerOptions,
} from './roles/set-role-handler.js'
export { createSetRoleRoute, type SetRoleRouteOptions } from './roles/set-role-route.js'
export type { DeletePolicy } from './store/delete-policy.js'
export type { GroupCommitOptions } from './store/group-commit.js'
export {
  MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreSnapshot,
  type PendingWrite,
  type RetiredUserRow,
  type SyncState,
} from './store/memory-store.js'
export type { SyncedUser } from './store/synced-user.js'
export type {
  AuditEntry,
  AuditPage,
  BulkUpsertInput,
  BulkUpsertResult,
  DeleteUserInput,
  DeleteUserResult,
  EventRef,
  ListAuditEntriesOptions,
  ListUsersOptions,
  UpsertUserInput,
  UpsertUserResult,
  UserPage,
  UserStore,
  WriteOrigin,
  WriteOutcome,
  WriteSource,
} from './store/user-store.js'
export {
  alreadyParsedMessage,
  bodyAlreadyParsedError,
  type WebhookFramework,
} from './sync/body-already-parsed.js'
export { type ClerkSync, createClerkSync } from './sync/create-clerk-sync.js'
export {
  type ClerkSyncOptions,
  DEFAULT_EVENT_RETENTION_DAYS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TOLERANCE_SECONDS,
} from './sync/options.js'
export type { ProcessWebhookInput } from './sync/process-webhook.js'
export { webhookResponse, webhookResponseBody } from './sync/webhook-response.js'
export type {
  WebhookOutcome,
  WebhookResult,
  WorkerResultQueueInfo,
} from './sync/webhook-result.js'
export {
  type ClerkEventEnvelope,
  eventTimeMs,
  isHandledEventType,
  type UserEvent,
  type UserEventType,
  userEventSchema,
} from './webhook/clerk-event.js'
export type { HeadersInput } from './webhook/headers.js'
