import { createClerkClient } from '@clerk/backend'
import {
  ClerkSyncError,
  createClerkSync,
  createRoleManager,
  ErrorCode,
  MemoryStore,
  silentLogger,
} from '@clerk-sync/core'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, it } from 'vitest'

describe('createRoleManager: concurrency and failures', () => {
  let clerk: ClerkEmulator | undefined
  afterEach(async () => {
    await clerk?.close()
    clerk = undefined
  })

  async function setup(options: { mapUser?: () => undefined; store?: MemoryStore } = {}) {
    clerk = await startClerkEmulator()
    const client = createClerkClient({
      apiUrl: clerk.apiUrl,
      secretKey: clerk.secretKey,
      telemetry: { disabled: true },
    })
    const sync = createClerkSync({
      signingSecret: clerk.signingSecret,
      store: options.store ?? new MemoryStore(),
      logger: silentLogger,
      ...(options.mapUser ? { mapUser: options.mapUser } : {}),
    })
    const create = async (role: string) =>
      (
        await client.users.createUser({
          emailAddress: [`u${Math.random().toString(36).slice(2)}@example.com`],
          publicMetadata: { role },
        })
      ).id
    return { client, sync, create }
  }

  it('runs changes that cannot demote an admin side by side (concurrency: 5 → 5 in flight)', async () => {
    const { client, sync, create } = await setup()
    const ids = await Promise.all(Array.from({ length: 5 }, () => create('client')))
    // Each Clerk update waits until all five are in flight: one lock around every change never
    // gets there (and the test times out); five at once pass straight through.
    let inFlight = 0
    let most = 0
    let allIn!: () => void
    const everyoneIn = new Promise<void>((resolve) => (allIn = resolve))
    const update = client.users.updateUserMetadata.bind(client.users)
    client.users.updateUserMetadata = (async (...args: Parameters<typeof update>) => {
      most = Math.max(most, ++inFlight)
      if (inFlight === ids.length) allIn()
      await everyoneIn
      try {
        return await update(...args)
      } finally {
        inFlight--
      }
    }) as typeof update
    const roles = createRoleManager({ clerk: client, sync, concurrency: 5 })
    const results = await roles.bulkSetUserRoles(ids.map((userId) => ({ userId, role: 'trainer' })))
    expect(results.every((r) => r.ok)).toBe(true)
    expect(most).toBe(5)
  }, 15_000)

  it('still demotes admins one at a time, so a bulk call keeps the last one', async () => {
    const { client, sync, create } = await setup()
    const admins = await Promise.all([create('admin'), create('admin'), create('admin')])
    const roles = createRoleManager({ clerk: client, sync, concurrency: 3 })
    const results = await roles.bulkSetUserRoles(
      admins.map((userId) => ({ userId, role: 'client' })),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(2)
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([ErrorCode.LAST_ADMIN])
  })

  it('reports a mapUser failure as MAP_USER_FAILED, saying what is true for each operation', async () => {
    const mapping = { broken: false }
    const { client, sync, create } = await setup({
      mapUser: () => {
        if (mapping.broken) throw new Error('plan service down')
        return undefined
      },
    })
    const id = await create('client')
    const roles = createRoleManager({ clerk: client, sync })
    mapping.broken = true
    const set = await roles.setUserRole(id, 'trainer').catch((e: ClerkSyncError) => e)
    expect(set).toBeInstanceOf(ClerkSyncError)
    expect(set).toMatchObject({ code: ErrorCode.MAP_USER_FAILED })
    expect((set as Error).message).toMatch(/^Clerk has the new role for user_\w+, but mapping/)
    expect((set as Error).message).toContain('plan service down')

    const repaired = await roles.syncUserRole(id).catch((e: ClerkSyncError) => e)
    expect(repaired).toMatchObject({ code: ErrorCode.MAP_USER_FAILED })
    expect((repaired as Error).message).not.toContain('Clerk has the new role')
    expect((repaired as Error).message).toMatch(
      /^Read user_\w+ from Clerk, but mapping .* the store is unchanged$/,
    )
  })

  it('reports a store conflict as STORE_CONFLICT, not STORE_FAILED', async () => {
    class ConflictingStore extends MemoryStore {
      override async upsertUser(): Promise<never> {
        throw new ClerkSyncError(ErrorCode.STORE_CONFLICT, 'UNIQUE "email" taken')
      }
    }
    const { client, sync, create } = await setup({ store: new ConflictingStore() })
    const id = await create('client')
    const roles = createRoleManager({ clerk: client, sync })
    await expect(roles.setUserRole(id, 'trainer')).rejects.toMatchObject({
      code: ErrorCode.STORE_CONFLICT,
      message: expect.stringContaining('UNIQUE "email" taken'),
    })
    await expect(roles.syncUserRole(id)).rejects.toMatchObject({
      code: ErrorCode.STORE_CONFLICT,
      message: expect.stringMatching(/the store is unchanged$/),
    })
  })
})
