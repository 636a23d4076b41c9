import { createClerkClient } from '@clerk/backend'
import {
  type BackfillOptions,
  type BackfillProgress,
  createClerkSync,
  ErrorCode,
  isClerkSyncError,
  MemoryStore,
  type SyncedUser,
  silentLogger,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runBackfill } from '../src/backfill/backfill.js'
import type { PacingClock } from '../src/backfill/rate-pacer.js'

const T0 = Date.UTC(2025, 0, 1)

/**
 * Time that moves only when told: by the backfill's own waits (`sleep`) or by `advance` (work
 * that takes time). Records each wait asked for, so the tests check waits without waiting.
 */
function manualClock() {
  let now = 0
  const sleeps: number[] = []
  const clock: PacingClock = {
    now: () => now,
    sleep(ms, signal) {
      sleeps.push(ms)
      if (signal?.aborted) return Promise.reject(signal.reason)
      now += ms
      return Promise.resolve()
    },
  }
  return { clock, sleeps, advance: (ms: number) => (now += ms) }
}

function setup(emulator: ClerkEmulator) {
  const store = new MemoryStore()
  const sync = createClerkSync({
    signingSecret: generateSigningSecret(),
    store,
    logger: silentLogger,
  })
  const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  return { store, sync, clerk }
}

/** `sync.backfill` as createClerkSync wires it, with the pacer on `clock`. */
function backfillWithClock(
  { store, sync }: ReturnType<typeof setup>,
  clock: PacingClock,
  options: BackfillOptions,
) {
  return runBackfill(
    { store, toSyncedUser: sync.toSyncedUser, logger: silentLogger, clock },
    options,
  )
}

async function allStored(store: MemoryStore): Promise<SyncedUser[]> {
  const page = await store.listUsers({ limit: 1000, cursor: null })
  return page.users
}

async function expected(emulator: ClerkEmulator, sync: ReturnType<typeof setup>['sync']) {
  const users = await Promise.all(emulator.users().map((user) => sync.toSyncedUser(user)))
  return users.sort((a, b) => (a.id < b.id ? -1 : 1))
}

const listCalls = (emulator: ClerkEmulator) =>
  emulator.requests().filter((r) => r.method === 'GET' && /^\/v1\/users(\?|$)/.test(r.url))

describe('sync.backfill with maxUsersPerSecond (MemoryStore, emulator, real @clerk/backend client)', () => {
  let emulator: ClerkEmulator
  beforeEach(async () => {
    emulator = await startClerkEmulator()
    emulator.seedUsers(
      Array.from({ length: 25 }, (_, i) => ({ createdAt: T0 + i * 1000, firstName: `F${i}` })),
    )
  })
  afterEach(() => emulator.close())

  it('after each committed page but the last, waits until the average is back at the cap', async () => {
    const context = setup(emulator)
    const { clock, sleeps } = manualClock()
    const events: string[] = []
    const realSleep = clock.sleep
    clock.sleep = (ms, signal) => {
      events.push(`wait ${ms}`)
      return realSleep(ms, signal)
    }
    const result = await backfillWithClock(context, clock, {
      clerk: context.clerk,
      pageSize: 10,
      maxUsersPerSecond: 100,
      onProgress: (p) => events.push(`page ${p.scanned}${p.done ? ' done' : ''}`),
    })

    expect(result).toMatchObject({ scanned: 25, applied: 25, failed: 0, aborted: false })
    expect(await allStored(context.store)).toEqual(await expected(emulator, context.sync))
    // 10 users at 100/s are due after 100 ms; with no time spent otherwise, each wait is 100 ms.
    expect(events).toEqual(['page 10', 'wait 100', 'page 20', 'wait 100', 'page 25 done'])
    expect(sleeps).toEqual([100, 100])
  })

  it('waits only for what the work itself did not take, and not at all when it is slower than the cap', async () => {
    const context = setup(emulator)
    const { clock, sleeps, advance } = manualClock()
    const upsertUsers = context.store.upsertUsers.bind(context.store)
    // Each page's write takes 40 ms of the 100 ms the cap allows for 10 users.
    context.store.upsertUsers = (input) => {
      advance(40)
      return upsertUsers(input)
    }
    await backfillWithClock(context, clock, {
      clerk: context.clerk,
      pageSize: 10,
      maxUsersPerSecond: 100,
    })
    expect(sleeps).toEqual([60, 60])

    // 250 ms per write: always behind the cap, so never a wait.
    const slow = setup(emulator)
    const slowClock = manualClock()
    const slowUpsert = slow.store.upsertUsers.bind(slow.store)
    slow.store.upsertUsers = (input) => {
      slowClock.advance(250)
      return slowUpsert(input)
    }
    const result = await backfillWithClock(slow, slowClock.clock, {
      clerk: slow.clerk,
      pageSize: 10,
      maxUsersPerSecond: 100,
    })
    expect(result.scanned).toBe(25)
    expect(slowClock.sleeps).toEqual([])
  })

  it('makes up a slow page with shorter waits after it: the cap is on the average', async () => {
    const context = setup(emulator)
    const { clock, sleeps, advance } = manualClock()
    const upsertUsers = context.store.upsertUsers.bind(context.store)
    const writeMs = [150, 0, 0]
    context.store.upsertUsers = (input) => {
      advance(writeMs.shift() ?? 0)
      return upsertUsers(input)
    }
    await backfillWithClock(context, clock, {
      clerk: context.clerk,
      pageSize: 10,
      maxUsersPerSecond: 100,
    })
    // Page 1 took 150 ms (due at 100): no wait. Page 2 is due at 200 ms, the clock says 150.
    expect(sleeps).toEqual([50])
  })

  it('never waits without a cap', async () => {
    const context = setup(emulator)
    const { clock, sleeps } = manualClock()
    const result = await backfillWithClock(context, clock, { clerk: context.clerk, pageSize: 10 })
    expect(result.scanned).toBe(25)
    expect(sleeps).toEqual([])
  })

  it('an abort during the wait stops at once with the committed page checkpointed; resume goes on', async () => {
    const context = setup(emulator)
    const controller = new AbortController()
    const progress: BackfillProgress[] = []
    // 10 users at 0.1 users/s: a 100 s wait, far past the test's timeout unless the abort cuts it.
    const result = await context.sync.backfill({
      clerk: context.clerk,
      pageSize: 10,
      maxUsersPerSecond: 0.1,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p)
        setTimeout(() => controller.abort(), 20)
      },
    })
    expect(result).toMatchObject({ scanned: 10, applied: 10, aborted: true })
    expect(progress).toHaveLength(1)
    expect(result.checkpoint).toEqual(progress[0]!.checkpoint)

    const rest = await context.sync.backfill({
      clerk: context.clerk,
      pageSize: 10,
      resumeFrom: result.checkpoint,
    })
    expect(rest).toMatchObject({ scanned: 15, aborted: false })
    expect(await allStored(context.store)).toEqual(await expected(emulator, context.sync))
  })

  it.each([0, -100, Number.NaN, Number.POSITIVE_INFINITY, '500'])(
    'refuses maxUsersPerSecond %s with CONFIG_INVALID before any request',
    async (value) => {
      const { sync, clerk } = setup(emulator)
      const error = await sync
        .backfill({ clerk, maxUsersPerSecond: value as number })
        .catch((e: unknown) => e)
      expect(isClerkSyncError(error)).toBe(true)
      expect((error as { code: string }).code).toBe(ErrorCode.CONFIG_INVALID)
      expect((error as Error).message).toContain('maxUsersPerSecond')
      expect(listCalls(emulator)).toEqual([])
    },
  )
})
