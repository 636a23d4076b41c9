/**
 * The convergence checks after a run: Clerk's truth (the emulator) against the database, read
 * both through the store and with direct SQL, and what each message's deliveries came to.
 */
import { mapClerkUser, type SyncedUser } from '@clerk-sync/core'
import type { ClerkEmulator, DeliveryAttempt, EmittedEvent } from '@clerk-sync/testing/emulator'
import { type RawDatabase, toDate } from '../raw-database.js'
import type { Arrival } from './front-proxy.js'
import type { StoreView } from './inspect-store.js'

export interface Convergence {
  events: number
  /** Every attempt the emulator made, duplicates included. */
  attempts: number
  /** Chaos copies (`duplicateRate`) the emulator sent. */
  duplicatesDelivered: number
  /** Same-user message pairs that reached the servers with the newer version first. */
  outOfOrderPairs: number
  /** Users Clerk has that the database does not. */
  lost: string[]
  /** Users Clerk deleted that the database still holds. */
  resurrected: string[]
  /** Users present on both sides with a field that differs, with the first difference. */
  mismatched: Array<{ id: string; difference: string }>
  /** Messages that never got a 2xx (retries ran out, or never finished). */
  undelivered: string[]
  /** Any other broken rule, one line each. */
  violations: string[]
}

/** The field values compared, as JSON-able values (dates as epoch ms). */
function comparable(user: Partial<SyncedUser> | Record<string, unknown>): Record<string, unknown> {
  const ms = (value: unknown) =>
    value === null || value === undefined ? null : toDate(value)?.getTime()
  const u = user as Record<string, unknown>
  return {
    id: u.id,
    email: u.email ?? null,
    firstName: u.firstName ?? null,
    lastName: u.lastName ?? null,
    username: u.username ?? null,
    phone: u.phone ?? null,
    imageUrl: u.imageUrl ?? null,
    role: u.role,
    createdAt: ms(u.createdAt),
    updatedAt: ms(u.updatedAt),
  }
}

function firstDifference(
  expected: Record<string, unknown>,
  actual: Record<string, unknown>,
): string | null {
  for (const [key, value] of Object.entries(expected)) {
    if (actual[key] !== value)
      return `${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[key])}`
  }
  return null
}

function rowAsUser(row: Record<string, unknown>): Record<string, unknown> {
  return comparable({
    id: row.id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    username: row.username,
    phone: row.phone,
    imageUrl: row.image_url,
    role: row.role,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  })
}

/** The user an event is about, and its version: `updated_at`, or the deletion's timestamp. */
export function eventVersion(event: EmittedEvent): { userId: string; version: number } {
  const data = event.payload.data as { id: string; updated_at?: number }
  return {
    userId: data.id,
    version: event.type === 'user.deleted' ? event.payload.timestamp : Number(data.updated_at),
  }
}

/**
 * Pairs of one user's messages that reached a server newer-version-first, each message counted at
 * its first arrival: the reordering the store's version guard had to absorb.
 */
export function countOutOfOrderPairs(events: EmittedEvent[], arrivals: Arrival[]): number {
  const byId = new Map(events.map((event) => [event.messageId, eventVersion(event)]))
  const seen = new Set<string>()
  const perUser = new Map<string, number[]>()
  for (const arrival of arrivals) {
    if (arrival.unreachable || !arrival.svixId || seen.has(arrival.svixId)) continue
    const event = byId.get(arrival.svixId)
    if (!event) continue
    seen.add(arrival.svixId)
    const list = perUser.get(event.userId) ?? []
    list.push(event.version)
    perUser.set(event.userId, list)
  }
  let pairs = 0
  for (const versions of perUser.values()) {
    for (let i = 0; i < versions.length; i++)
      for (let j = i + 1; j < versions.length; j++) if (versions[i]! > versions[j]!) pairs++
  }
  return pairs
}

export async function checkConvergence(input: {
  emulator: ClerkEmulator
  arrivals: Arrival[]
  raw: RawDatabase
  view: StoreView
}): Promise<Convergence> {
  const { emulator, raw, view } = input
  const events = emulator.events()
  const deliveries = emulator.deliveries()
  const violations: string[] = []
  const q = (name: string) => (raw.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`)

  // Every message a 2xx in the end; a message whose retries ran out is a failure.
  const finals = new Map<string, DeliveryAttempt>()
  for (const attempt of deliveries)
    if (!attempt.duplicate && attempt.final) finals.set(attempt.messageId, attempt)
  const undelivered = events
    .filter((event) => !finals.get(event.messageId)?.ok)
    .map((event) => event.messageId)

  const rows = await raw.query(`SELECT * FROM ${q('clerk_sync_users')}`)
  const rowsById = new Map(rows.map((row) => [String(row.id), row]))
  const states = await raw.query(
    `SELECT user_id, version, deleted_at FROM ${q('clerk_sync_user_state')}`,
  )
  const stateById = new Map(
    states.map((row) => [
      String(row.user_id),
      { version: Number(row.version), deletedAt: toDate(row.deleted_at) },
    ]),
  )
  const recorded = new Set(
    (await raw.query(`SELECT id FROM ${q('clerk_sync_events')}`)).map((row) => String(row.id)),
  )

  // For every recorded svix-id: the user's version is at least the event's, or it is tombstoned.
  const byMessage = new Map(events.map((event) => [event.messageId, event]))
  for (const id of recorded) {
    const event = byMessage.get(id)
    if (!event) {
      violations.push(`recorded event ${id} was never emitted`)
      continue
    }
    const { userId, version } = eventVersion(event)
    const state = stateById.get(userId)
    if (!state) violations.push(`event ${id} recorded but user ${userId} has no state`)
    else if (event.type === 'user.deleted' && !state.deletedAt)
      violations.push(`event ${id} (user.deleted) recorded but ${userId} is not tombstoned`)
    else if (!state.deletedAt && state.version < version)
      violations.push(
        `event ${id} recorded at version ${version}, ${userId} stored at ${state.version}`,
      )
  }
  for (const event of events) {
    if (finals.get(event.messageId)?.ok && !recorded.has(event.messageId))
      violations.push(`event ${event.messageId} answered 2xx but is not recorded`)
  }

  // Clerk's users, field by field, through the store and in the table.
  const lost: string[] = []
  const mismatched: Convergence['mismatched'] = []
  const clerkUsers = emulator.users()
  for (const clerkUser of clerkUsers) {
    const expected = comparable(mapClerkUser(clerkUser as never))
    const stored = view.users[clerkUser.id]
    const row = rowsById.get(clerkUser.id)
    if (!stored || !row) {
      lost.push(clerkUser.id)
      continue
    }
    const difference =
      firstDifference(expected, comparable(stored)) ??
      firstDifference(expected, rowAsUser(row))?.replace(/^/, 'row ')
    if (difference) mismatched.push({ id: clerkUser.id, difference })
    const state = stateById.get(clerkUser.id)
    if (state?.deletedAt) violations.push(`live user ${clerkUser.id} is tombstoned`)
    if (state && state.version !== expected.updatedAt)
      violations.push(
        `user ${clerkUser.id} state version ${state.version}, Clerk has ${expected.updatedAt}`,
      )
  }

  // No deleted user exists, through the store, in the table, and its tombstone is there.
  const live = new Set(clerkUsers.map((user) => user.id))
  const deletedIds = [
    ...new Set(events.filter((e) => e.type === 'user.deleted').map((e) => eventVersion(e).userId)),
  ]
  const resurrected = deletedIds.filter(
    (id) => view.users[id] !== null || rowsById.has(id) || !stateById.get(id)?.deletedAt,
  )
  for (const id of deletedIds)
    if (live.has(id)) violations.push(`deleted user ${id} is live in Clerk`)

  // Nothing else: the table and the store's listing hold exactly Clerk's users.
  for (const id of rowsById.keys()) {
    if (!live.has(id) && !deletedIds.includes(id))
      violations.push(`unknown user ${id} in the table`)
  }
  const listed = new Set(view.listed)
  if (listed.size !== view.listed.length) violations.push('listUsers returned an id twice')
  for (const id of listed)
    if (!live.has(id) && !resurrected.includes(id))
      violations.push(`listUsers returned unknown ${id}`)
  for (const id of live)
    if (!listed.has(id) && !lost.includes(id)) violations.push(`listUsers misses ${id}`)
  const counted = Object.values(view.countsByRole).reduce((sum, n) => sum + n, 0)
  if (counted !== rowsById.size)
    violations.push(`countUsersByRole sums to ${counted}, the table has ${rowsById.size}`)

  return {
    events: events.length,
    attempts: deliveries.length,
    duplicatesDelivered: deliveries.filter((attempt) => attempt.duplicate).length,
    outOfOrderPairs: countOutOfOrderPairs(events, input.arrivals),
    lost,
    resurrected,
    mismatched,
    undelivered,
    violations,
  }
}
