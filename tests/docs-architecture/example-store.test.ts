// The example store of docs/architecture.md passes the same conformance suite as clerk-sync's own
// stores (its bulk test with 1,000 users instead of 10,000, to keep the run short).
// #region conformance
import { withGroupCommit } from '@clerk-sync/core/store-kit'
import { type ConformanceHarness, storeConformance } from '@clerk-sync/testing/conformance'
import { type ExampleDatabase, ExampleStore, emptyDatabase } from './example-store.js'

function exampleHarness(groupCommit: boolean): ConformanceHarness {
  const db: ExampleDatabase = emptyDatabase()
  // delayNextWrite: the next write for a user waits (and may fail) inside its transaction.
  const holds = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()
  const store = new ExampleStore(db, {
    async beforeWrite(userIds) {
      for (const userId of userIds) {
        const hold = holds.get(userId)
        if (!hold) continue
        holds.delete(userId)
        hold.enter()
        await new Promise((resolve) => setTimeout(resolve, hold.delayMs))
        if (hold.fail) throw new Error(`injected write failure for ${userId}`)
      }
    },
  })
  return {
    store: groupCommit ? withGroupCommit(store) : store,
    delayNextWrite(userId, { delayMs, fail = false }) {
      let enter!: () => void
      const entered = new Promise<void>((resolve) => (enter = resolve))
      holds.set(userId, { delayMs, fail, enter })
      return { entered }
    },
    // Reads straight from the "database", not through the store.
    inspect: {
      eventRecorded: async (eventId) => db.events.has(eventId),
      syncState: async (userId) => {
        const state = db.states.get(userId)
        return state ? { version: state.version, deletedAt: state.deletedAt } : null
      },
      userRowExists: async (userId) => db.users.has(userId),
      auditRowCount: async (userId) => db.audit.filter((e) => e.targetUserId === userId).length,
    },
  }
}

for (const groupCommit of [false, true]) {
  storeConformance({
    name: groupCommit ? 'docs example store · group commit' : 'docs example store',
    setup: async () => exampleHarness(groupCommit),
    bulkSize: 1000,
  })
}
// #endregion conformance
