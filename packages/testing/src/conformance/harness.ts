import type { RoleDefinition, UserStore } from '@clerk-sync/core'

/** The store's bookkeeping as read straight from its database, bypassing the store's own reads. */
export interface StoreInspector {
  /** Whether the event id is recorded as processed. */
  eventRecorded(eventId: string): Promise<boolean>
  /** The per-user state row (never deleted), or null when the user was never seen. */
  syncState(userId: string): Promise<{ version: number; deletedAt: Date | null } | null>
  /** Whether the app-facing users table holds a row for the id. */
  userRowExists(userId: string): Promise<boolean>
  /** Number of audit rows for the user. */
  auditRowCount(userId: string): Promise<number>
  /**
   * The user's row as stored, or null when there is none: needed by the deletion-policy tests
   * (harnesses from `setupWithDeletePolicy`), which check a kept row straight in the database.
   */
  userRow?(userId: string): Promise<RawUserRow | null>
}

/** A users-table row as the database holds it. Fields the store does not map read as null. */
export interface RawUserRow {
  /** The mapped deletedAt column; null when unset or not mapped. */
  deletedAt: Date | null
  email: unknown
  firstName: unknown
  lastName: unknown
  username: unknown
  phone: unknown
  imageUrl: unknown
}

/** The `onDelete` policies that keep the user's row (see `DeletePolicy` in @clerk-sync/core). */
export type KeepingDeletePolicy = 'soft' | 'anonymize'

export interface HeldWrite {
  /**
   * Resolves once the held write has reached the hold (on single-connection engines, where the
   * hold blocks, once it is past it), so the suite starts a competing write without guessing.
   */
  entered: Promise<void>
}

export interface ConformanceHarness<R extends string = string> {
  /** A store over an empty database. */
  store: UserStore<R>
  /** Direct reads from the database; the suite cross-checks the store's answers with them. */
  inspect: StoreInspector
  /**
   * Holds the next single-user write for `userId` for `delayMs` inside the store's transaction
   * (after the event id is claimed, before the user's state is read), then lets it go on or, with
   * `fail`, fail the way a failing database would (e.g. a trigger that sleeps, then raises). The
   * hold is used up by that one write even though its transaction rolls back.
   */
  delayNextWrite(
    userId: string,
    options: { delayMs: number; fail?: boolean },
  ): HeldWrite | Promise<HeldWrite>
  /** Releases connections, drops schemas. */
  teardown?(): void | Promise<void>
}

export interface StoreConformanceOptions<R extends string = string> {
  /** Shown in the suite's title, e.g. `drizzle (postgres)`. */
  name: string
  /**
   * Called before each test; returns a harness over an empty store (the tests use fixed ids and
   * exact counts). Give each test run its own schema or database so parallel runs never meet.
   */
  setup(): Promise<ConformanceHarness<R>>
  /**
   * Optional: a harness over an empty store set up with `onDelete: policy`, whose inspector has
   * `userRow`; or a string saying why the store cannot be set up so (the policy's tests are then
   * skipped with that notice). Without it, the deletion-policy tests are skipped.
   */
  setupWithDeletePolicy?(policy: KeepingDeletePolicy): Promise<ConformanceHarness<R> | string>
  /**
   * The keeping policies this setup has (clerk-sync's ready table has no deletedAt column, so no
   * `soft`): their tests are run, the others not registered at all. Default: both.
   */
  deletePolicies?: readonly KeepingDeletePolicy[]
  /** The roles the store is used with. Default: clerk-sync's default roles. */
  roles?: RoleDefinition<R>
  /** Users in the bulk-upsert test. Default 10,000. */
  bulkSize?: number
  /** Per-test timeout in ms. Default 60,000. */
  timeoutMs?: number
  /** Skips the whole suite with a visible reason (e.g. no database server on this machine). */
  skip?: string | false
}
