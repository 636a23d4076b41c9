import { MemoryStore } from '@clerk-sync/core'
import { withGroupCommit } from '@clerk-sync/core/store-kit'
import { storeConformance } from '@clerk-sync/testing/conformance'

for (const groupCommit of [false, true]) {
  storeConformance({
    name: groupCommit ? 'MemoryStore · group commit' : 'MemoryStore',
    async setup() {
      const held = new Map<string, { delayMs: number; fail: boolean; enter: () => void }>()
      const store = new MemoryStore({
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
            return store.snapshot().users.has(userId)
          },
          async auditRowCount(userId) {
            return store.snapshot().audit.filter((entry) => entry.targetUserId === userId).length
          },
        },
      }
    },
  })
}
