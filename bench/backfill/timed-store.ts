/**
 * A store that adds up the time its `upsertUsers` calls take: the backfill's writes, told apart
 * from its reading and mapping in the report. Every other member is the store's own.
 */
import { performance } from 'node:perf_hooks'
import type { UserStore } from '@clerk-sync/core'

export function timedStore(store: UserStore): { store: UserStore; writeSeconds: () => number } {
  let writeMs = 0
  const upsertUsers: UserStore['upsertUsers'] = async (input) => {
    const started = performance.now()
    try {
      return await store.upsertUsers(input)
    } finally {
      writeMs += performance.now() - started
    }
  }
  const timed = new Proxy(store, {
    get(target, key) {
      if (key === 'upsertUsers') return upsertUsers
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store: timed, writeSeconds: () => writeMs / 1000 }
}
