/**
 * A queue-mode clerk-sync on a real pg-boss schema: signed deliveries through `processWebhook`,
 * a MemoryStore whose commits a test can hold or fail, the worker's results, and direct reads of
 * pg-boss's job table.
 */
import {
  type ClerkSyncOptions,
  createClerkSync,
  type DefaultRole,
  MemoryStore,
  type MemoryStoreOptions,
  silentLogger,
  type WebhookResult,
} from '@clerk-sync/core'
import type { QueuedEvent } from '@clerk-sync/core/queue-kit'
import {
  clerkUser,
  generateSigningSecret,
  randomId,
  signWebhook,
  userCreatedEvent,
  webhookBodyText,
} from '@clerk-sync/testing'
import pg from 'pg'
import { postgresUrl, runScopedName } from '../../../test-support/databases.js'
import { type PgBossLike, type PgBossQueueOptions, pgBossQueue } from '../src/index.js'
import { startBoss, type TestBoss } from './boss.js'

export interface JobRow {
  id: string
  name: string
  state: string
  data: { eventId?: string; userId?: string } | null
}

export interface QueueHarness {
  boss: TestBoss
  schema: string
  queueName: string
  sync: ReturnType<typeof createClerkSync<DefaultRole>>
  store: MemoryStore<DefaultRole>
  /** What the worker reported, in order. */
  results: WebhookResult<DefaultRole>[]
  /** Signs `payload` as Svix would, with this `svix-id`, and delivers it. */
  deliver(payload: object, svixId: string): Promise<WebhookResult<DefaultRole>>
  /** Every job row of the queue and its dead-letter queue, read from the database. */
  jobs(): Promise<JobRow[]>
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

export interface HarnessOptions {
  /** Where the boss connects; the test database by default. */
  connectionString?: string
  queue?: PgBossQueueOptions
  memory?: MemoryStoreOptions
  sync?: Partial<ClerkSyncOptions<DefaultRole>>
  /** More constructor options for the boss. */
  bossConfig?: Record<string, unknown>
  /** What the queue is given instead of the boss itself (a counting Proxy of it, say). */
  wrapBoss?: (boss: TestBoss) => PgBossLike
}

export async function queueHarness(options: HarnessOptions = {}): Promise<QueueHarness> {
  const schema = runScopedName('pgboss_h1')
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  const boss = await startBoss({
    schema,
    connectionString: options.connectionString,
    config: options.bossConfig,
  })
  const queueName = options.queue?.name ?? 'clerk-sync-events'
  const secret = generateSigningSecret()
  const store = new MemoryStore<DefaultRole>(options.memory)
  const results: WebhookResult<DefaultRole>[] = []
  const sync = createClerkSync<DefaultRole>({
    signingSecret: secret,
    store,
    queue: pgBossQueue(options.wrapBoss?.(boss) ?? boss, {
      logger: silentLogger,
      ...options.queue,
    }),
    logger: silentLogger,
    onEvent: (result) => {
      if (result.queue) results.push(result)
    },
    ...options.sync,
  })

  const sql = async (text: string, values: unknown[] = []) => (await admin.query(text, values)).rows

  return {
    boss,
    schema,
    queueName,
    sync,
    store,
    results,
    deliver(payload, svixId) {
      const body = webhookBodyText(payload)
      const headers = signWebhook({ secret, body, id: svixId })
      return sync.processWebhook({
        body,
        headers: { ...headers, 'content-type': 'application/json' },
      })
    },
    async jobs() {
      return (await sql(
        `SELECT id, name, state::text AS state, data FROM ${schema}.job WHERE name IN ($1, $2) ORDER BY created_on, id`,
        [queueName, `${queueName}-dead`],
      )) as unknown as JobRow[]
    },
    sql,
    async close() {
      try {
        await boss.stop({ graceful: false })
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        await admin.end()
      }
    },
  }
}

/** A signed `user.created` for a fresh user, and its user id. */
export function userCreated(): { payload: object; userId: string } {
  const user = clerkUser()
  return { payload: userCreatedEvent(user), userId: user.id }
}

/** A minimal stored `user.created` job for a fresh user, as the webhook would enqueue it. */
export function queuedEvent(): QueuedEvent {
  const userId = randomId('user')
  return {
    eventId: randomId('msg'),
    eventType: 'user.created',
    userId,
    payload: { type: 'user.created', data: { id: userId } },
    receivedAt: Date.now(),
  }
}

/** Resolves once `check` passes, polling every 50 ms; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** A promise a test opens by hand: `hold.wait` blocks until `hold.release()`. */
export function gate(): { wait: Promise<void>; release(): void } {
  let release!: () => void
  const wait = new Promise<void>((resolve) => {
    release = resolve
  })
  return { wait, release }
}
