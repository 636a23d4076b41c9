import { type DeletePolicy, MemoryStore } from '@clerk-sync/core'
import { withGroupCommit } from '@clerk-sync/core/store-kit'
import type { ConformanceHarness } from '@clerk-sync/testing/conformance'
import { storeConformance } from '@clerk-sync/testing/conformance'

function memoryHarness(groupCommit: boolean, onDelete?: DeletePolicy): ConformanceHarness {
  const held = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()
  const store = new MemoryStore({
    onDelete,
    async beforeCommit({ userId }) {
      const hold = held.get(userId)
      if (!hold) return
      held.delete(userId)
      hold.enter()
      await new Promise((resolve) => setTimeout(resolve, hold.delayMs))
      if (hold.fail) throw new Error(`injected write failure for ${userId}`)
    },
  })
  return {
    store: groupCommit ? withGroupCommit(store) : store,
    delayNextWrite(userId, { delayMs, fail = false }) {
      let enter!: () => void
      const entered = new Promise<void>((resolve) => (enter = resolve))
      held.set(userId, { delayMs, fail, enter })
      return { entered }
    },
    inspect: {
      async eventRecorded(eventId) {
        return store.snapshot().events.has(eventId)
      },
      async syncState(userId) {
        return store.snapshot().syncState.get(userId) ?? null
      },
      async userRowExists(userId) {
        const { users, retiredUsers } = store.snapshot()
        return users.has(userId) || retiredUsers.has(userId)
      },
      async auditRowCount(userId) {
        return store.snapshot().audit.filter((entry) => entry.targetUserId === userId).length
      },
      async userRow(userId) {
        const { users, retiredUsers } = store.snapshot()
        const live = users.get(userId)
        const retired = retiredUsers.get(userId)
        const row = live ?? retired?.user
        if (!row) return null
        const { email, firstName, lastName, username, phone, imageUrl } = row
        const deletedAt = retired && onDelete === 'soft' ? retired.deletedAt : null
        return { deletedAt, email, firstName, lastName, username, phone, imageUrl }
      },
    },
  }
}

for (const groupCommit of [false, true]) {
  storeConformance({
    name: groupCommit ? 'MemoryStore · group commit' : 'MemoryStore',
    setup: async () => memoryHarness(groupCommit),
    setupWithDeletePolicy: async (policy) => memoryHarness(groupCommit, policy),
  })
}
