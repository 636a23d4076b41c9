/**
 * What the bench's processes share: the deliveries (realistic signed Clerk payloads, 70%
 * user.created and 30% user.updated of a user created earlier in the same run), the row a
 * baseline writes for one event, its SQL in each dialect, and latency percentiles.
 */
import type { ClerkUserFixture } from '@clerk-sync/testing'
import { clerkUser, randomId, userCreatedEvent, userUpdatedEvent } from '@clerk-sync/testing'

export type Dialect = 'pg' | 'mysql' | 'sqlite'

/** One measurement's result, from the load generator or the raw driver runner. */
export interface RunResult {
  /** Deliveries answered (any status), not counting the warm-up. */
  events: number
  seconds: number
  eventsPerSecond: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  /** Status (or 'error' for a failed request) to count, for the non-2xx ones. */
  statuses: Record<string, number>
  /** The runner's own longest event-loop stall (raw driver runs only; the servers report theirs). */
  stallMs?: number
  /** The runner's own CPU time during the run (raw driver runs only). */
  cpuMs?: number
  /** True when the time cap stopped the run before every delivery was sent. */
  capped: boolean
}

export interface RunRequest {
  concurrency: number
  deliveries: number
  warmup: number
  maxSeconds: number
  /** Seed-free: ids are random, so every run writes new users. */
  createdShare: number
}

export interface Delivery {
  body: string
  type: 'user.created' | 'user.updated'
}

/**
 * The run's events in send order: `user.created` with probability `createdShare`, otherwise a
 * `user.updated` (newer `updated_at`, a changed name, sometimes a changed role) of a user created
 * earlier in the sequence. Emails derive from the user id, so they never collide across runs.
 */
export function eventSequence(count: number, createdShare: number): Delivery[] {
  const users: ClerkUserFixture[] = []
  const out: Delivery[] = []
  const start = Date.now() - 60_000
  for (let index = 0; index < count; index++) {
    const previous = users.length > 0 ? users[Math.floor(Math.random() * users.length)] : undefined
    if (!previous || Math.random() < createdShare) {
      const id = randomId('user')
      const at = start + index
      const user = clerkUser({
        id,
        emails: [`${id.toLowerCase()}@example.com`],
        firstName: `First${index}`,
        lastName: `Last${index}`,
        role: Math.random() < 0.1 ? 'admin' : 'client',
        createdAt: at,
      })
      users.push(user)
      out.push({ type: 'user.created', body: JSON.stringify(userCreatedEvent(user)) })
    } else {
      const updated: ClerkUserFixture = {
        ...previous,
        first_name: `Renamed${index}`,
        public_metadata: {
          ...previous.public_metadata,
          role: Math.random() < 0.2 ? 'admin' : 'client',
        },
        updated_at: previous.updated_at + 1000 + index,
      }
      users[users.indexOf(previous)] = updated
      out.push({ type: 'user.updated', body: JSON.stringify(userUpdatedEvent(updated)) })
    }
  }
  return out
}

/** The columns a baseline writes: the seed app's `users` table (test-support/seed-app.ts). */
export interface UserRow {
  id: string
  email: string
  firstName: string | null
  lastName: string | null
  role: string
  createdAt: number
  updatedAt: number
}

interface EventData {
  id: string
  primary_email_address_id?: string | null
  email_addresses?: Array<{ id: string; email_address: string }>
  first_name?: string | null
  last_name?: string | null
  public_metadata?: { role?: unknown }
  created_at: number
  updated_at: number
}

/** What a hand-written handler maps: primary email, names, role, timestamps. */
export function rowFromEvent(event: { data: EventData }): UserRow {
  const data = event.data
  const email =
    data.email_addresses?.find((entry) => entry.id === data.primary_email_address_id)
      ?.email_address ?? `${data.id}@invalid`
  const role = data.public_metadata?.role
  return {
    id: data.id,
    email,
    firstName: data.first_name ?? null,
    lastName: data.last_name ?? null,
    role: typeof role === 'string' ? role : 'member',
    createdAt: data.created_at,
    updatedAt: data.updated_at,
  }
}

const columns = 'id, email, first_name, last_name, role, created_at, updated_at'
const values = '?, ?, ?, ?, ?, ?, ?'

/** The one statement of the floor and of (a): insert, or update every mapped column. */
export function upsertSql(dialect: Dialect): string {
  if (dialect === 'mysql')
    return `INSERT INTO users (${columns}) VALUES (${values}) ON DUPLICATE KEY UPDATE email = VALUES(email), first_name = VALUES(first_name), last_name = VALUES(last_name), role = VALUES(role), updated_at = VALUES(updated_at)`
  return `INSERT INTO users (${columns}) VALUES (${values}) ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name, role = excluded.role, updated_at = excluded.updated_at`
}

export const naiveSql = {
  select: 'SELECT id FROM users WHERE id = ?',
  insert: `INSERT INTO users (${columns}) VALUES (${values})`,
  update:
    'UPDATE users SET email = ?, first_name = ?, last_name = ?, role = ?, updated_at = ? WHERE id = ?',
}

/** Parameters in `columns` order; dates as Date, or epoch ms on SQLite (timestamp_ms columns). */
export function rowParams(row: UserRow, dialect: Dialect): unknown[] {
  const date = (ms: number) => (dialect === 'sqlite' ? ms : new Date(ms))
  return [
    row.id,
    row.email,
    row.firstName,
    row.lastName,
    row.role,
    date(row.createdAt),
    date(row.updatedAt),
  ]
}

export function updateParams(row: UserRow, dialect: Dialect): unknown[] {
  const date = (ms: number) => (dialect === 'sqlite' ? ms : new Date(ms))
  return [row.email, row.firstName, row.lastName, row.role, date(row.updatedAt), row.id]
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export function summarize(
  latencies: number[],
  seconds: number,
  statuses: Record<string, number>,
  capped: boolean,
): RunResult {
  const sorted = [...latencies].sort((a, b) => a - b)
  let non2xx = 0
  for (const [status, count] of Object.entries(statuses))
    if (!/^2\d\d$/.test(status)) non2xx += count
  return {
    events: latencies.length,
    seconds,
    eventsPerSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    non2xx,
    statuses,
    capped,
  }
}

/** A command line the bench does not understand: reported without a stack. */
export class UsageError extends Error {}

/** How big a run is: `pnpm bench`, `pnpm bench --quick`, or a focused run (bench/README.md). */
export interface Settings {
  quick: boolean
  /** True when `--only`, `--concurrency`, `--rounds` or `--cpu-prof` narrowed or changed the run. */
  focused: boolean
  /** `--cpu-prof <dir>`: every server runs under `node --cpu-prof --cpu-prof-dir=<dir>`. */
  cpuProfDir: string | null
  /** Whether the database counters are read after the timed rounds. */
  counters: boolean
  /** The command that asked for this run, as BENCHMARKS.md shows it. */
  command: string
  concurrencies: number[]
  deliveries: (concurrency: number) => number
  warmup: (concurrency: number) => number
  rounds: number
  maxSeconds: number
  poolMax: number
  counterDeliveries: number
  counterConcurrency: number
}
