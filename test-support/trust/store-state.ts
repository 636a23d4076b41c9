import type { MemoryStore } from '@clerk-sync/core'

/**
 * Everything a MemoryStore holds (users, per-user sync state, recorded event ids, audit log) as
 * one comparable string: equal before and after a request means the request wrote nothing.
 */
export function storeState(store: MemoryStore): string {
  const { users, syncState, events, audit } = store.snapshot()
  const sorted = <V>(map: Map<string, V>) =>
    [...map.entries()].sort(([a], [b]) => a.localeCompare(b))
  return JSON.stringify({
    users: sorted(users),
    syncState: sorted(syncState),
    events: sorted(events).map(([id, event]) => [id, event.type]),
    audit,
  })
}

/** How many event ids the store has recorded: a write that leaves no trace elsewhere leaves one here. */
export function recordedEvents(store: MemoryStore): number {
  return store.snapshot().events.size
}

/** Cheap to compare on a big store: every webhook write records its event id and user state. */
export function storeCounts(store: MemoryStore): string {
  const { users, syncState, events, audit } = store.snapshot()
  return `${users.size}/${syncState.size}/${events.size}/${audit.length}`
}
