/**
 * What the backfill bench's orchestrator (suite.ts) asks its worker processes (worker.ts) to
 * measure, and what they answer. One task per process, so each process's memory is its own.
 */
import type { RssFigures } from './rss-sampler.js'

export interface ClerkTarget {
  apiUrl: string
  secretKey: string
}

export type WorkerTask =
  /** (a) The emulator's page-serving rate: every page, no writes. */
  | { kind: 'pages'; clerk: ClerkTarget; pageSize: number }
  /** (b) A hand-made backfill: one `store.upsertUser` per user, until `maxSeconds`. */
  | { kind: 'per-user'; clerk: ClerkTarget; pageSize: number; maxSeconds: number }
  /** (c) Every user's row by the raw driver, `rowsPerStatement` rows per INSERT. */
  | { kind: 'raw-insert'; clerk: ClerkTarget; pageSize: number; rowsPerStatement: number }
  /** `sync.backfill` (capped by `maxUsersPerSecond` if given), with resident memory sampled. */
  | { kind: 'backfill'; clerk: ClerkTarget; pageSize: number; maxUsersPerSecond?: number }
  /** `sync.reconcile` (report only), with the process's resident memory sampled. */
  | { kind: 'reconcile'; clerk: ClerkTarget }

export interface Throughput {
  users: number
  seconds: number
  usersPerSecond: number
}

export interface PagesResult extends Throughput {
  pages: number
}

export interface PerUserResult extends Throughput {
  /** True when the time cap, not the end of the users, stopped the loop. */
  capped: boolean
}

export interface RawInsertResult extends Throughput {
  statements: number
  /** Fetching and mapping the rows first, not timed in `seconds`. */
  prepareSeconds: number
}

export interface BackfillRunResult extends Throughput {
  applied: number
  stale: number
  failed: number
  /** Of `seconds`, the time inside the store's `upsertUsers` (the rest: reading and mapping). */
  writeSeconds: number
  /** CPU time of the backfill's process during the call (user + system). */
  cpuSeconds: number
  /** Rows in the users table afterwards. */
  rowsAfter: number
  rss: RssFigures
}

export interface ReconcileRunResult {
  clerkScanned: number
  localScanned: number
  missing: number
  different: number
  gone: number
  seconds: number
  rss: RssFigures
}

export type WorkerResult =
  | PagesResult
  | PerUserResult
  | RawInsertResult
  | BackfillRunResult
  | ReconcileRunResult
