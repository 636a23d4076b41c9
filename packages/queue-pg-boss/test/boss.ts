/**
 * The one place the tests construct a PgBoss: pg-boss 10 by default, 12 under `PGBOSS_MAJOR=12`
 * (12 needs Node 22; the Node 22 runner sets the variable and runs these same test files).
 */
import { createRequire } from 'node:module'
import { it } from 'vitest'
import { postgresUrl } from '../../../test-support/databases.js'
import type { PgBossLike } from '../src/index.js'

export const pgBossMajor = process.env.PGBOSS_MAJOR === '12' ? 12 : 10

/**
 * A test of behaviour only pg-boss 12 has, registered only in the pg-boss 12 run (Node 22), so
 * the pg-boss 10 run lists it nowhere instead of as skipped.
 */
export function itOnPgBoss12(name: string, fn: () => Promise<void>): void {
  if (pgBossMajor === 12) it(name, fn)
}

let announced = false
/**
 * Refuses a run whose installed pg-boss is not the major asked for, and says once which one runs
 * on which Node (the Node 22 runner's test reads this line).
 */
function announceVersion(): void {
  if (announced) return
  announced = true
  const manifest = pgBossMajor === 12 ? 'pg-boss-12/package.json' : 'pg-boss/package.json'
  const { version } = createRequire(import.meta.url)(manifest) as { version: string }
  if (!version.startsWith(`${pgBossMajor}.`)) {
    throw new Error(`PGBOSS_MAJOR=${pgBossMajor} but pg-boss ${version} is installed`)
  }
  console.log(`[queue-pg-boss tests] pg-boss ${version} on Node ${process.version}`)
}

/** What the tests call beyond PgBossLike: the app's side of the boss. */
export interface TestBoss extends PgBossLike {
  start(): Promise<unknown>
  stop(options?: { graceful?: boolean; timeout?: number }): Promise<void>
  on(event: 'error', listener: (error: unknown) => void): unknown
  /** pg-boss's own single-job path, for tests that store a job the adapter did not. */
  send(name: string, data: object, options?: object): Promise<string | null>
  /** Both majors' `insert`, counted by tests that check enqueues are grouped. */
  insert(...args: never[]): Promise<unknown>
}

export interface TestBossOptions {
  schema: string
  connectionString?: string
  /** More constructor options (either major's), over the defaults below. */
  config?: Record<string, unknown>
}

/**
 * A boss on its own schema, as a worker process would run it but with pg-boss's own maintenance
 * off (`supervise: false`), so any expiry the tests see is the adapter's doing. 12 runs its expiry
 * inside `supervise(name)` only when the queue's monitor claim is due, hence the 1 s
 * `monitorIntervalSeconds` the README asks of a worker's boss. Not started yet.
 */
export async function createBoss(options: TestBossOptions): Promise<TestBoss> {
  announceVersion()
  const config = {
    connectionString: options.connectionString ?? postgresUrl,
    schema: options.schema,
    max: 3,
    schedule: false,
    supervise: false,
    ...options.config,
  }
  let boss: TestBoss
  if (pgBossMajor === 12) {
    const { PgBoss } = await import('pg-boss-12')
    boss = new PgBoss({
      monitorIntervalSeconds: 1,
      superviseIntervalSeconds: 1,
      ...config,
    }) as unknown as TestBoss
  } else {
    const { default: PgBoss } = await import('pg-boss')
    boss = new PgBoss(config) as unknown as TestBoss
  }
  // An EventEmitter without an 'error' listener throws; the tests read failures from results.
  boss.on('error', () => {})
  return boss
}

/** `createBoss`, started (which installs pg-boss's schema). */
export async function startBoss(options: TestBossOptions): Promise<TestBoss> {
  const boss = await createBoss(options)
  await boss.start()
  return boss
}
