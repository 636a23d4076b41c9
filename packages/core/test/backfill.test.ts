import { createClerkClient } from '@clerk/backend'
import {
  type BackfillCheckpoint,
  type BackfillProgress,
  createClerkSync,
  isClerkSyncError,
  MemoryStore,
  type SyncedUser,
  silentLogger,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const T0 = Date.UTC(2025, 0, 1)

function setup(
  emulator: ClerkEmulator,
  options: { mapUser?: Parameters<typeof createClerkSync>[0]['mapUser'] } = {},
) {
  const store = new MemoryStore()
  const sync = createClerkSync({
    signingSecret: generateSigningSecret(),
    store,
    logger: silentLogger,
    ...options,
  })
  const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  return { store, sync, clerk }
}

async function allStored(store: MemoryStore): Promise<SyncedUser[]> {
  const users: SyncedUser[] = []
  let cursor: string | null = null
  do {
    const page = await store.listUsers({ limit: 1000, cursor })
    users.push(...page.users)
    cursor = page.nextCursor
  } while (cursor)
  return users
}

/** What the store must hold: each emulator user through the same mapping webhooks use. */
async function expected(emulator: ClerkEmulator, sync: ReturnType<typeof setup>['sync']) {
  const users = await Promise.all(emulator.users().map((user) => sync.toSyncedUser(user)))
  return users.sort((a, b) => (a.id < b.id ? -1 : 1))
}

/** Pages read: list calls, not the resume check's lookup of users by id (`user_id=`). */
const listCalls = (emulator: ClerkEmulator) =>
  emulator
    .requests()
    .filter(
      (r) => r.method === 'GET' && /^\/v1\/users(\?|$)/.test(r.url) && !/[?&]user_id/.test(r.url),
    )

describe('sync.backfill (MemoryStore, emulator, real @clerk/backend client)', () => {
  let emulator: ClerkEmulator
  beforeEach(async () => {
    emulator = await startClerkEmulator()
  })
  afterEach(() => emulator.close())

  it('imports every user, equal field by field, without a count request', async () => {
    emulator.seedUsers(
      Array.from({ length: 1234 }, (_, i) => ({
        createdAt: T0 + Math.floor(i / 3) * 1000,
        firstName: `First${i}`,
        role: i % 10 === 0 ? 'admin' : undefined,
      })),
    )
    const { store, sync, clerk } = setup(emulator)
    const progress: BackfillProgress[] = []
    const result = await sync.backfill({
      clerk,
      pageSize: 100,
      onProgress: (p) => progress.push(p),
    })

    expect(result).toMatchObject({
      scanned: 1234,
      applied: 1234,
      stale: 0,
      failed: 0,
      aborted: false,
    })
    expect(await allStored(store)).toEqual(await expected(emulator, sync))
    expect(progress.at(-1)).toMatchObject({ done: true, scanned: 1234, pages: progress.length })
    expect(progress.slice(0, -1).every((p) => !p.done)).toBe(true)
    expect(emulator.requests().filter((r) => r.url.startsWith('/v1/users/count'))).toEqual([])
    expect(listCalls(emulator).length).toBe(progress.length)
  })

  it('pages through one created_at shared by many users, users earlier in the run deleted mid-scan', async () => {
    const run = emulator.seedUsers(Array.from({ length: 700 }, () => ({ createdAt: T0 })))
    emulator.seedUsers(Array.from({ length: 50 }, (_, i) => ({ createdAt: T0 + 1 + i })))
    const { store, sync, clerk } = setup(emulator)
    let pages = 0
    const result = await sync.backfill({
      clerk,
      pageSize: 100,
      onProgress: () => {
        pages++
        // After the 2nd and 4th pages, delete users the scan already passed in the run: the
        // offset inside the run shifts left by 60 and must not skip anyone.
        if (pages === 2 || pages === 4) {
          const passed = run.slice((pages - 2) * 30, (pages - 2) * 30 + 60).map((u) => u.id)
          emulator.deleteUsers(passed)
        }
      },
    })
    expect(result.failed).toBe(0)
    const stored = new Set((await allStored(store)).map((u) => u.id))
    for (const user of emulator.users()) expect(stored.has(user.id)).toBe(true)
    expect(result.scanned).toBe(new Set([...stored]).size)
  })

  it('keeps a bounded checkpoint through a run longer than it remembers, scanning each user once', async () => {
    emulator.seedUsers(Array.from({ length: 6000 }, () => ({ createdAt: T0 })))
    emulator.seedUsers([{ createdAt: T0 + 1 }])
    const { store, sync, clerk } = setup(emulator)
    const sizes: number[] = []
    const result = await sync.backfill({
      clerk,
      onProgress: (p) => sizes.push(p.checkpoint.seenAtCreatedAt.length),
    })
    expect(result).toMatchObject({ scanned: 6001, applied: 6001, failed: 0 })
    expect(Math.max(...sizes)).toBeLessThanOrEqual(5000)
    expect((await allStored(store)).length).toBe(6001)
  })

  it('abort stops at a page boundary; resuming re-reads at most one page', async () => {
    emulator.seedUsers(Array.from({ length: 1000 }, (_, i) => ({ createdAt: T0 + i })))
    const { store, sync, clerk } = setup(emulator)
    const controller = new AbortController()
    let checkpoint: BackfillCheckpoint | null = null
    const first = await sync.backfill({
      clerk,
      pageSize: 100,
      signal: controller.signal,
      onProgress: (p) => {
        checkpoint = JSON.parse(JSON.stringify(p.checkpoint))
        if (p.pages === 3) controller.abort()
      },
    })
    expect(first).toMatchObject({ aborted: true, scanned: 300 })
    expect(first.checkpoint).toEqual(checkpoint)

    const second = await sync.backfill({ clerk, pageSize: 100, resumeFrom: checkpoint })
    expect(second).toMatchObject({ aborted: false, scanned: 700, applied: 700 })
    expect(await allStored(store)).toEqual(await expected(emulator, sync))
    const interrupted = listCalls(emulator).length

    // The same scan without the interruption, for the number of pages it reads.
    const again = setup(emulator)
    await again.sync.backfill({ clerk: again.clerk, pageSize: 100 })
    const uninterrupted = listCalls(emulator).length - interrupted
    expect(interrupted).toBeGreaterThanOrEqual(uninterrupted)
    expect(interrupted - uninterrupted).toBeLessThanOrEqual(1)
  })

  it('429s with Retry-After slow it and lose nothing', async () => {
    emulator.seedUsers(Array.from({ length: 450 }, (_, i) => ({ createdAt: T0 + i })))
    const { store, sync, clerk } = setup(emulator)
    emulator.throttleNext(3, 0)
    const result = await sync.backfill({ clerk, pageSize: 100 })
    expect(result).toMatchObject({ scanned: 450, applied: 450, aborted: false })
    expect(emulator.requests().filter((r) => r.status === 429)).toHaveLength(3)
    expect(await allStored(store)).toEqual(await expected(emulator, sync))
  })

  it('an abort during a Retry-After wait stops at once, with the checkpoint it had', async () => {
    emulator.seedUsers(Array.from({ length: 30 }, (_, i) => ({ createdAt: T0 + i })))
    const { store, sync, clerk } = setup(emulator)
    const controller = new AbortController()
    const progress: BackfillProgress[] = []
    const run = sync.backfill({
      clerk,
      pageSize: 10,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p)
        // Clerk now asks for a 30 s pause; the abort must not wait for it.
        if (p.pages === 1) emulator.throttleNext(100, 30)
      },
    })
    while (!emulator.requests().some((r) => r.status === 429)) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    controller.abort()
    const result = await run
    // The page read before the 429s were armed may have gone through; nothing after it did.
    expect(result.aborted).toBe(true)
    expect(result.scanned).toBeLessThan(30)
    expect(result.checkpoint).toEqual(progress.at(-1)?.checkpoint)
    expect((await allStored(store)).length).toBe(result.scanned)
  })

  it('a user mapUser refuses is counted as failed with its reason; the rest go on', async () => {
    const [bad] = emulator.seedUsers([{ createdAt: T0, firstName: 'Bad' }])
    emulator.seedUsers(Array.from({ length: 20 }, (_, i) => ({ createdAt: T0 + 1 + i })))
    const { store, sync, clerk } = setup(emulator, {
      mapUser: (json) => {
        if (json.first_name === 'Bad') throw new Error('no plan for this user')
        return { plan: 'free' }
      },
    })
    const result = await sync.backfill({ clerk, pageSize: 7 })
    expect(result).toMatchObject({ scanned: 21, applied: 20, failed: 1 })
    expect(result.failures).toEqual([{ id: bad!.id, reason: expect.stringContaining('no plan') }])
    expect(await store.getUser(bad!.id)).toBeNull()
  })

  it('never overwrites a newer stored version, never revives a tombstone', async () => {
    const [older, deleted] = emulator.seedUsers([
      { createdAt: T0, updatedAt: T0 + 10, firstName: 'Old' },
      { createdAt: T0 + 1, firstName: 'Gone' },
    ])
    const { store, sync, clerk } = setup(emulator)
    const newer = await sync.toSyncedUser({ ...older!, first_name: 'New', updated_at: T0 + 20 })
    await store.upsertUser({ user: newer, origin: { source: 'webhook', actor: null } })
    await store.deleteUser({ userId: deleted!.id, deletedAt: new Date(T0 + 30) })

    const result = await sync.backfill({ clerk })
    expect(result).toMatchObject({ scanned: 2, applied: 0, stale: 2 })
    expect((await store.getUser(older!.id))?.firstName).toBe('New')
    expect(await store.getUser(deleted!.id)).toBeNull()
  })

  it('refuses a pageSize or checkpoint it cannot use, before any request', async () => {
    const { sync, clerk } = setup(emulator)
    for (const pageSize of [0, 501, 1.5]) {
      await expect(sync.backfill({ clerk, pageSize })).rejects.toSatisfy((e) =>
        isClerkSyncError(e, 'CONFIG_INVALID'),
      )
    }
    const resumeFrom = {
      version: 2,
      createdAt: 1,
      seenAtCreatedAt: [],
    } as unknown as BackfillCheckpoint
    await expect(sync.backfill({ clerk, resumeFrom })).rejects.toSatisfy((e) =>
      isClerkSyncError(e, 'CONFIG_INVALID'),
    )
    expect(emulator.requests()).toEqual([])
  })

  it('a wrong secret key fails with CLERK_API_FAILED, naming the status', async () => {
    const { sync } = setup(emulator)
    const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: 'sk_test_wrong' })
    await expect(sync.backfill({ clerk })).rejects.toSatisfy(
      (e) => isClerkSyncError(e, 'CLERK_API_FAILED') && /401/.test((e as Error).message),
    )
  })
})
