import { createClerkClient } from '@clerk/backend'
import {
  type BackfillCheckpoint,
  createClerkSync,
  isClerkSyncError,
  MemoryStore,
  silentLogger,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/**
 * A checkpoint resumed against another Clerk instance or an empty database would skip every user
 * created before it; the run is refused before it reads a page or writes a row.
 */
const T0 = Date.UTC(2025, 0, 1)

function syncOver(store: MemoryStore) {
  return createClerkSync({ signingSecret: generateSigningSecret(), store, logger: silentLogger })
}

const clientOf = (emulator: ClerkEmulator) =>
  createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })

describe('sync.backfill resumeFrom belongs to one instance and one store', () => {
  let prod: ClerkEmulator
  let staging: ClerkEmulator
  let checkpoint: BackfillCheckpoint
  let prodStore: MemoryStore

  beforeEach(async () => {
    prod = await startClerkEmulator()
    staging = await startClerkEmulator()
    prod.seedUsers(Array.from({ length: 30 }, (_, i) => ({ createdAt: T0 + i })))
    staging.seedUsers(Array.from({ length: 30 }, (_, i) => ({ createdAt: T0 + i })))
    prodStore = new MemoryStore()
    const stop = new AbortController()
    const first = await syncOver(prodStore).backfill({
      clerk: clientOf(prod),
      pageSize: 10,
      signal: stop.signal,
      onProgress: () => stop.abort(),
    })
    expect(first).toMatchObject({ aborted: true, scanned: 10 })
    checkpoint = first.checkpoint
  })
  afterEach(async () => {
    await prod.close()
    await staging.close()
  })

  it('resumes in the store and instance it came from', async () => {
    const rest = await syncOver(prodStore).backfill({
      clerk: clientOf(prod),
      resumeFrom: checkpoint,
    })
    expect(rest).toMatchObject({ aborted: false, scanned: 20, applied: 20 })
  })

  it('refuses another instance’s key, writing nothing', async () => {
    const before = staging.requests().length
    const run = syncOver(prodStore).backfill({ clerk: clientOf(staging), resumeFrom: checkpoint })
    const error = await run.catch((e: unknown) => e)
    expect(isClerkSyncError(error, 'CONFIG_INVALID')).toBe(true)
    expect(String((error as Error).message)).toMatch(/another secret key\?.*--restart/s)
    expect(staging.requests().length - before).toBe(1) // the one lookup, no page read
    expect(await prodStore.countUsersByRole()).toEqual({ client: 10 })
  })

  it('refuses an empty store (a fresh database), writing nothing', async () => {
    const fresh = new MemoryStore()
    const error = await syncOver(fresh)
      .backfill({ clerk: clientOf(prod), resumeFrom: checkpoint })
      .catch((e: unknown) => e)
    expect(isClerkSyncError(error, 'CONFIG_INVALID')).toBe(true)
    expect(String((error as Error).message)).toMatch(/holds no users/)
    expect(await fresh.countUsersByRole()).toEqual({})
  })
})
