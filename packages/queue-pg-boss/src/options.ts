import { ClerkSyncError, consoleLogger, ErrorCode, type Logger } from '@clerk-sync/core'
import { isPgBossSchemaName } from './job-reads.js'

export interface PgBossQueueOptions {
  /** The pg-boss queue; dead letters go to `${name}-dead`. Default `clerk-sync-events`. */
  name?: string
  /**
   * Attempts after the first before a job is dead-lettered. Default 8: with back-off from 1 s
   * that is about 4 to 8 minutes of retries, enough to ride out a store restart.
   */
  retryLimit?: number
  /** First retry delay in whole seconds (doubled per attempt with `retryBackoff`). Default 1. */
  retryDelaySeconds?: number
  /** Exponential back-off with jitter between retries. Default true. */
  retryBackoff?: boolean
  /**
   * How long a worker may hold a job before pg-boss fails it and another worker retries it (a
   * killed worker's job). Default 15 s, against pg-boss's own 15 minutes; a batch slower than
   * this is applied twice, which the store's event record makes harmless.
   */
  expireInSeconds?: number
  /**
   * Most events waiting for their insert at once (a slow database, a burst); past it an enqueue
   * is refused at once (the webhook answers 500 and Svix retries) instead of piling up in memory.
   * Default 10,000.
   */
  maxPendingEnqueues?: number
  /** How long an idle fetch loop waits before asking again, in ms. Default 250. */
  pollIntervalMs?: number
  /**
   * The pg-boss schema (the boss's `schema` option), for the live counts read in SQL on
   * pg-boss 10. Default: the schema of the boss's own connection, else `pgboss`. Written as
   * pg-boss takes it: a bare name, or on 12 a double-quoted one (`'"My Schema"'`).
   */
  schema?: string
  /** Where the worker reports what it cannot throw (a failed delete, fetch or expiry pass). */
  logger?: Logger
}

export interface ResolvedOptions {
  name: string
  deadName: string
  retryLimit: number
  retryDelaySeconds: number
  retryBackoff: boolean
  expireInSeconds: number
  pollIntervalMs: number
  maxPendingEnqueues: number
  schema: string | undefined
  logger: Logger
}

// The queue names pg-boss 10 and 12 both accept (12 is the stricter).
const QUEUE_NAME = /^[\w.\-/]+$/

function refuse(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `pgBossQueue: ${message}`)
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(`\`${name}\` must be an integer from ${min} to ${max}, got ${value}.`)
  }
  return value
}

export function resolveOptions(options: PgBossQueueOptions): ResolvedOptions {
  const name = options.name ?? 'clerk-sync-events'
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    refuse(
      `\`name\` may hold letters, digits, _ - . and / only, got ${JSON.stringify(options.name)}.`,
    )
  }
  if (
    options.schema !== undefined &&
    (typeof options.schema !== 'string' || !isPgBossSchemaName(options.schema))
  ) {
    refuse(
      `\`schema\` is not a Postgres schema pg-boss accepts: ${JSON.stringify(options.schema)}.`,
    )
  }
  if (options.retryBackoff !== undefined && typeof options.retryBackoff !== 'boolean') {
    refuse('`retryBackoff` must be true or false.')
  }
  return {
    name,
    deadName: `${name}-dead`,
    retryLimit: integer('retryLimit', options.retryLimit ?? 8, 0, 1000),
    retryDelaySeconds: integer('retryDelaySeconds', options.retryDelaySeconds ?? 1, 0, 86_400),
    retryBackoff: options.retryBackoff ?? true,
    // pg-boss caps expiry below 24 hours.
    expireInSeconds: integer('expireInSeconds', options.expireInSeconds ?? 15, 1, 86_399),
    pollIntervalMs: integer('pollIntervalMs', options.pollIntervalMs ?? 250, 1, 60_000),
    maxPendingEnqueues: integer(
      'maxPendingEnqueues',
      options.maxPendingEnqueues ?? 10_000,
      1,
      10_000_000,
    ),
    schema: options.schema,
    logger: options.logger ?? consoleLogger(),
  }
}
