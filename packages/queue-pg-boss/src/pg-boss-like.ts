/**
 * The part of a pg-boss instance the adapter calls, written out so that one type covers pg-boss
 * 10.x and 12.x (a `PgBoss` of either major is assignable to it) and the package never loads
 * pg-boss itself: the app owns its instance, its pool and its lifecycle.
 *
 * Where the majors differ, the method is optional and feature-detected: 12 has `findJobs` and
 * `supervise(name)`, 10 has `expire()` and is read through SQL on `getDb()`.
 */
export interface PgBossLike {
  createQueue(name: string, options?: PgBossQueueConfig): Promise<void>
  getQueue(name: string): Promise<object | null>
  /**
   * Stores jobs in one statement, skipping any whose id exists (`ON CONFLICT DO NOTHING`). The
   * majors disagree on the arguments: 10 takes `insert(jobs)` with each job naming its queue, 12
   * `insert(name, jobs)`; `insertJobs` calls the right one. Typed loosely so both fit.
   */
  insert(...args: never[]): Promise<unknown>
  fetch(name: string, options: { batchSize: number }): Promise<PgBossFetchedJob[]>
  /** With attempts (12) it deletes only jobs still in the attempt that was fetched. */
  deleteJob(name: string, id: string | string[] | PgBossJobAttempt[]): Promise<unknown>
  /** Retries the jobs with back-off, or dead-letters them once out of retries; `data` is kept. */
  fail(name: string, id: string | string[] | PgBossJobAttempt[], data?: object): Promise<unknown>
  /** Puts a `failed` job back to `retry`, adding one to its retry limit (10 and 12 alike). */
  retry(name: string, id: string | string[]): Promise<unknown>
  /** Puts a `cancelled` job back to `created`. */
  resume(name: string, id: string | string[]): Promise<unknown>
  /** 12: jobs of a queue by id or by data containment, oldest first. */
  findJobs?(
    name: string,
    options: { id?: string; data?: object; queued?: boolean; limit?: number },
  ): Promise<PgBossJobRow[]>
  /** 10: fails (retries or dead-letters) the active jobs held longer than their expiry. */
  expire?(): Promise<void>
  /** 12: one maintenance pass (expiry included) over the named queue. */
  supervise?(name?: string): Promise<void>
  getDb(): PgBossDb
}

export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] } | undefined>
}

/** The queue settings both majors take on `createQueue` and, per job, on `insert`. */
export interface PgBossQueueConfig {
  retryLimit?: number
  retryDelay?: number
  retryBackoff?: boolean
  expireInSeconds?: number
  deadLetter?: string
}

/** A job as both majors' `insert` take it (10 also wants its queue's `name` on each). */
export interface PgBossJobInsert extends PgBossQueueConfig {
  id: string
  data: object
}

export interface PgBossFetchedJob {
  id: string
  data: unknown
  /** 12 only: which attempt this fetch claimed, to fence the settle to it. */
  retryCount?: number
}

/** 12's way to name a fetched job so that a settle after its claim lapsed leaves it alone. */
export interface PgBossJobAttempt {
  id: string
  retryCount: number
}

export interface PgBossJobRow {
  id: string
  state: string
  data?: unknown
  createdOn?: Date | string
}
