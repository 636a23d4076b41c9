/**
 * (b) The backfill an app would write by hand today: page through Clerk, then one guarded
 * `store.upsertUser` per user, awaited in turn (the write path issue 12 left: one statement and
 * one commit per user on Postgres). Stops after `maxSeconds`: a subset is enough for a rate.
 */

import { performance } from 'node:perf_hooks'
import type { ClerkClient } from '@clerk/backend'
import type { ClerkSync, UserStore } from '@clerk-sync/core'
import { keysetPages, rawOf } from './keyset-pages.js'
import type { PerUserResult } from './messages.js'

export async function measurePerUser(
  clerk: ClerkClient,
  sync: ClerkSync<string>,
  store: UserStore,
  pageSize: number,
  maxSeconds: number,
): Promise<PerUserResult> {
  let users = 0
  let capped = false
  const started = performance.now()
  const deadline = started + maxSeconds * 1000
  scan: for await (const page of keysetPages(clerk, pageSize)) {
    for (const user of page) {
      if (performance.now() > deadline) {
        capped = true
        break scan
      }
      const synced = await sync.toSyncedUser(rawOf(user))
      await store.upsertUser({ user: synced, origin: { source: 'backfill', actor: null } })
      users++
    }
  }
  const seconds = (performance.now() - started) / 1000
  return { users, seconds, usersPerSecond: users / seconds, capped }
}
