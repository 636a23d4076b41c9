/** (a) The emulator's page-serving rate: every page through the real client, nothing written. */

import { performance } from 'node:perf_hooks'
import type { ClerkClient } from '@clerk/backend'
import { keysetPages } from './keyset-pages.js'
import type { PagesResult } from './messages.js'

export async function measurePages(clerk: ClerkClient, pageSize: number): Promise<PagesResult> {
  let users = 0
  let pages = 0
  const started = performance.now()
  for await (const page of keysetPages(clerk, pageSize)) {
    users += page.length
    pages++
  }
  const seconds = (performance.now() - started) / 1000
  return { users, pages, seconds, usersPerSecond: users / seconds }
}
