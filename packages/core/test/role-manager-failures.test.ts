import { createClerkClient } from '@clerk/backend'
import {
  ClerkSyncError,
  createClerkSync,
  createRoleManager,
  createSetRoleHandler,
  ErrorCode,
  MemoryStore,
  type RoleManager,
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

  /** The set-role endpoint with the caller given per call (the emulator's Clerk is the truth). */
  function endpoint<R extends string>(roles: RoleManager<R>) {
    const handle = createSetRoleHandler<R, string>({
      roleManager: roles,
      authenticate: (_request, caller) => caller,
      logger: silentLogger,
    })
    return async (caller: string, targetUserId: string, role: string) => {
      const response = await handle(
        new Request('http://localhost/api/admin/set-role', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ targetUserId, role }),
        }),
        caller,
      )
      return { status: response.status, body: await response.json() }
    }
  }

  it('says Clerk has the new role when the local write fails after Clerk changed', async () => {
    const mapping = { broken: false }
    const { client, sync, create } = await setup({
      mapUser: () => {
        if (mapping.broken) throw new Error('plan service down')
        return undefined
      },
    })
    const [admin, target] = [await create('admin'), await create('client')]
    const setRole = endpoint(createRoleManager({ clerk: client, sync }))
    mapping.broken = true
    const answer = await setRole(admin, target, 'trainer')
    expect(answer).toEqual({
      status: 500,
      body: {
        success: false,
        error: { code: 'store_failed', message: expect.stringMatching(/^Clerk has the new role/) },
      },
    })
    expect((await client.users.getUser(target)).publicMetadata.role).toBe('trainer')
  })

  it('refuses a caller demoted while its own request waited for the demotion before it', async () => {
    const { client, sync, create } = await setup()
    const [a, b, c] = [await create('admin'), await create('admin'), await create('admin')]
    // Holds the Clerk update of B's demotion until B's own request has passed the endpoint's
    // first check (B was still admin then) and is waiting behind it.
    let entered!: () => void
    const demotionInFlight = new Promise<void>((resolve) => (entered = resolve))
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const update = client.users.updateUserMetadata.bind(client.users)
    client.users.updateUserMetadata = (async (...args: Parameters<typeof update>) => {
      if (args[0] === b) {
        entered()
        await held
      }
      return update(...args)
    }) as typeof update
    const roles = createRoleManager({ clerk: client, sync })
    const setRole = endpoint(roles)
    let bReadRoles = 0
    const getUser = client.users.getUser.bind(client.users)
    const aDemotesB = setRole(a, b, 'client')
    await demotionInFlight
    // B's request: its first check reads B as admin, then it queues behind A's demotion of B.
    client.users.getUser = (async (...args: Parameters<typeof getUser>) => {
      const user = await getUser(...args)
      // Released only once B's first read has its answer (admin), so the order is fixed.
      if (args[0] === b && ++bReadRoles === 1) release()
      return user
    }) as typeof getUser
    const bDemotesC = setRole(b, c, 'client')
    expect(await aDemotesB).toMatchObject({ status: 200 })
    expect(await bDemotesC).toEqual({
      status: 403,
      body: { success: false, error: { code: 'forbidden', message: expect.any(String) } },
    })
    expect(await Promise.all([a, b, c].map((id) => roles.getUserRole(id)))).toEqual([
      'admin',
      'client',
      'admin',
    ])
  })
})
