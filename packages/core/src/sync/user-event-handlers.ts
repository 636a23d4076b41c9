import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { EventRef, UserStore, WriteOutcome } from '../store/user-store.js'
import { eventTimeMs, type UserEvent, type UserEventType } from '../webhook/clerk-event.js'

export interface HandlerContext<R extends string> {
  store: UserStore<R>
  event: EventRef
  toSyncedUser(userJson: ClerkUserJSON): Promise<SyncedUser<R>>
  /** `ClerkSyncOptions.linkLegacyUser`. */
  linkLegacyUser?: (appId: string, clerkId: string) => Promise<void>
  /** Waits (bounded) for this process's set-role of the user to write first (role-change-gate). */
  roleChangesSettled?: (userId: string) => Promise<void> | undefined
}

export interface HandlerOutcome<R extends string> {
  outcome: WriteOutcome
  userId: string
  message: string
  role?: R
  previousRole?: R | null
}

type Handler<R extends string, T extends UserEventType> = (
  event: Extract<UserEvent, { type: T }>,
  context: HandlerContext<R>,
) => Promise<HandlerOutcome<R>>

export type UserEventHandlers<R extends string> = { [T in UserEventType]: Handler<R, T> }

/**
 * A user the app imported into Clerk (`external_id` = the app's own id): its existing row gets
 * the Clerk id before the upsert, so the upsert finds that row instead of inserting another.
 */
async function linkImportedUser(
  event: Extract<UserEvent, { type: 'user.created' | 'user.updated' }>,
  linkLegacyUser: (appId: string, clerkId: string) => Promise<void>,
): Promise<void> {
  const externalId = (event.data as { external_id?: unknown }).external_id
  if (event.type !== 'user.created' || typeof externalId !== 'string' || externalId === '') return
  try {
    await linkLegacyUser(externalId, event.data.id)
  } catch (error) {
    throw new ClerkSyncError(
      ErrorCode.LEGACY_LINK_FAILED,
      `linkLegacyUser failed for app user ${externalId}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    )
  }
}

async function upsert<R extends string>(
  event: Extract<UserEvent, { type: 'user.created' | 'user.updated' }>,
  { store, event: ref, toSyncedUser, linkLegacyUser, roleChangesSettled }: HandlerContext<R>,
): Promise<HandlerOutcome<R>> {
  let user: SyncedUser<R>
  try {
    user = await toSyncedUser(event.data as ClerkUserJSON)
  } catch (error) {
    // Mapping runs before the store's duplicate check: a replay of an event already handled must
    // answer duplicate even when the app's mapUser throws for it today.
    if (await isRecorded(store, ref.id)) {
      return {
        outcome: 'duplicate',
        userId: event.data.id,
        message: `Event ${ref.id} already processed; skipped`,
      }
    }
    throw error
  }
  if (linkLegacyUser) await linkImportedUser(event, linkLegacyUser)
  const roleChange = roleChangesSettled?.(user.id)
  if (roleChange) await roleChange
  const result = await store.upsertUser({
    user,
    event: ref,
    origin: { source: 'webhook', actor: null },
  })
  const base = { outcome: result.outcome, userId: user.id }
  switch (result.outcome) {
    case 'duplicate':
      return { ...base, message: `Event ${ref.id} already processed; skipped` }
    case 'stale':
      return {
        ...base,
        message: `User ${user.id} is newer in the database, or deleted; event skipped`,
      }
    case 'applied': {
      const roleChange =
        result.previousRole !== null && result.previousRole !== user.role
          ? `; role ${result.previousRole} → ${user.role}`
          : ''
      return {
        ...base,
        role: user.role,
        previousRole: result.previousRole,
        message: `User ${user.id} ${result.created ? 'created' : 'updated'} in database${roleChange}`,
      }
    }
  }
}

/** Whether the store has the event id; false when it cannot tell (the original error stands). */
async function isRecorded(store: UserStore<string>, eventId: string): Promise<boolean> {
  if (typeof store.hasEvent !== 'function') return false
  try {
    return await store.hasEvent(eventId)
  } catch {
    return false
  }
}

async function remove<R extends string>(
  event: Extract<UserEvent, { type: 'user.deleted' }>,
  { store, event: ref }: HandlerContext<R>,
): Promise<HandlerOutcome<R>> {
  const userId = event.data.id
  const deletedAt = new Date(
    event.timestamp === undefined ? ref.receivedAt.getTime() : eventTimeMs(event.timestamp),
  )
  const { outcome } = await store.deleteUser({ userId, deletedAt, event: ref })
  const message =
    outcome === 'applied'
      ? `User ${userId} deleted from database`
      : outcome === 'duplicate'
        ? `Event ${ref.id} already processed; skipped`
        : `User ${userId} was already deleted; skipped`
  return { outcome, userId, message }
}

/** One handler per event type in `userEventSchema`; the compiler insists none is missing. */
const handlers: UserEventHandlers<string> = {
  'user.created': upsert,
  'user.updated': upsert,
  'user.deleted': remove,
}

export function handleUserEvent<R extends string>(
  event: UserEvent,
  context: HandlerContext<R>,
): Promise<HandlerOutcome<R>> {
  // TypeScript cannot correlate `handlers[event.type]` with `event`; the mapped type above keeps it sound.
  const handler = handlers[event.type] as unknown as (
    event: UserEvent,
    context: HandlerContext<R>,
  ) => Promise<HandlerOutcome<R>>
  return handler(event, context)
}
