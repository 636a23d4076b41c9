// For store authors: the write flows every store runs, the decisions they share, cursors and page
// limits. App developers never need these, so they live off the main entry.

export { isEmailVerified } from '../legacy/email-verified.js'
export { upsertUserBatchFlow } from '../store/batch-flow.js'
export {
  type BulkAsBatches,
  bulkAsBatches,
  bulkResultOf,
  newestPerUser,
} from '../store/bulk-as-batches.js'
export {
  DELETE_POLICIES,
  type DeletePolicy,
  PERSONAL_FIELDS,
  resolveDeletePolicy,
} from '../store/delete-policy.js'
export { type Flow, runFlowAsync, runFlowSync, step } from '../store/flow.js'
export { type GroupCommitOptions, withGroupCommit } from '../store/group-commit.js'
export {
  DEFAULT_PAGE_LIMIT,
  decodeAuditCursor,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_LIMIT,
  pageOf,
  resolvePageLimit,
} from '../store/page.js'
export {
  type PgChunk,
  type PgWriteStatements,
  type PgWriteTables,
  pgBatchUpsertEvents,
  pgBatchUpsertResults,
  pgBatchUpsertStatement,
  pgTombstoneOutcome,
  pgTombstoneParams,
  pgUpsertParams,
  pgUpsertResult,
  pgWriteStatements,
} from '../store/pg-write-statements.js'
export {
  notNullConflictHint,
  toDate,
  UNIQUE_CONFLICT_HINT,
  withRetries,
} from '../store/store-shared.js'
export { SYNCED_USER_FIELDS, type SyncedUserField } from '../store/synced-user.js'
export { MAX_GET_USERS_IDS, resolveUserIds } from '../store/user-ids.js'
export {
  auditFromRole,
  isFreshWrite,
  NEW_SYNC_STATE_VERSION,
  previousRoleOf,
  type RoleChange,
  roleChangeOf,
  type UserSyncState,
} from '../store/write-decision.js'
export {
  deleteUserFlow,
  upsertEachUser,
  upsertUserFlow,
  upsertUsersFlow,
  upsertUsersOrEach,
  type WriteOps,
} from '../store/write-flows.js'
