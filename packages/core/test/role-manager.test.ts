import { createClerkClient } from '@clerk/backend'
import {
  createClerkSync,
  createRoleManager,
  defineRoles,
  ErrorCode,
  MemoryStore,
  silentLogger,
} from '@clerk-sync/core'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'

/** The role manager against the emulator, through the real @clerk/backend client. */
describe('createRoleManager', () => {
  let clerk: ClerkEmulator | undefined
  afterEach(async () => {
    await clerk?.close()
    clerk = undefined
  })

  async function setup(options: Parameters<typeof startClerkEmulator>[0] = {}) {
    clerk = await startClerkEmulator(options)
    const client = createClerkClient({
      apiUrl: clerk.apiUrl,
      secretKey: clerk.secretKey,
      telemetry: { disabled: true },
    })
    const store = new MemoryStore()
    const sync = createClerkSync({
      signingSecret: clerk.signingSecret,
      store,
      logger: silentLogger,
    })
    const roles = createRoleManager({ clerk: client, sync })
    const create = async (role?: string, publicMetadata: Record<string, unknown> = {}) =>
      (
        await client.users.createUser({
          emailAddress: [`u${Math.random().toString(36).slice(2)}@example.com`],
          publicMetadata: role ? { ...publicMetadata, role } : publicMetadata,
        })
      ).id
    return { clerk, client, store, sync, roles, create }
  }

  it('sets the role in Clerk by merge, writes the store at once, and audits once with the actor', async () => {
    const { clerk, store, roles, create } = await setup()
    const admin = await create('admin')
    const target = await create('client', { plan: 'pro', nested: { a: 1 } })
    const user = await roles.setUserRole(target, 'trainer', { actor: admin })
    expect(user).toMatchObject({ id: target, role: 'trainer' })
    expect(clerk.user(target)?.public_metadata).toEqual({
      plan: 'pro',
      nested: { a: 1 },
      role: 'trainer',
    })
    expect((await store.getUser(target))?.role).toBe('trainer')
    // Unknown to the store until now, the user's first change is audited from Clerk's role too.
    await roles.setUserRole(target, 'admin', { actor: admin })
    const audit = await store.listAuditEntries({ userId: target })
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: admin,
        fromRole: 'client',
        toRole: 'trainer',
        source: 'api',
        eventId: null,
      }),
      expect.objectContaining({
        actor: admin,
        fromRole: 'trainer',
        toRole: 'admin',
        source: 'api',
        eventId: null,
      }),
    ])
  })

  it('refuses a role outside the definition and never touches unsafe_metadata', async () => {
    const { clerk, client, roles, create } = await setup()
    const id = await create('client')
    await client.users.updateUserMetadata(id, { unsafeMetadata: { role: 'admin' } })
    expect(await roles.getUserRole(id)).toBe('client')
    await expect(roles.setUserRole(id, 'owner' as never)).rejects.toMatchObject({
      code: ErrorCode.ROLE_INVALID,
    })
    await roles.setUserRole(id, 'trainer')
    expect(clerk.user(id)?.unsafe_metadata).toEqual({ role: 'admin' })
  })

  it('refuses to demote the last admin, and allows it when another admin exists', async () => {
    const { roles, create } = await setup()
    const only = await create('admin')
    await expect(roles.setUserRole(only, 'client')).rejects.toMatchObject({
      code: ErrorCode.LAST_ADMIN,
    })
    await create('admin')
    expect((await roles.setUserRole(only, 'client')).role).toBe('client')
  })

  it('answers USER_NOT_FOUND for an unknown user and CLERK_API_FAILED when Clerk fails', async () => {
    const { roles } = await setup()
    await expect(roles.getUserRole('user_missing')).rejects.toMatchObject({
      code: ErrorCode.USER_NOT_FOUND,
    })
    const broken = createRoleManager({
      clerk: createClerkClient({ apiUrl: 'http://127.0.0.1:9', secretKey: 'sk_test_x' }),
    })
    await expect(broken.getUserRole('user_1')).rejects.toMatchObject({
      code: ErrorCode.CLERK_API_FAILED,
    })
  })

  it('checks roles with hasRole and typed is<Role> helpers named in camel case', async () => {
    const { roles, create } = await setup()
    const trainer = await create('trainer')
    const plain = await create()
    expect(await roles.hasRole(trainer, 'trainer')).toBe(true)
    expect(await roles.isTrainer(trainer)).toBe(true)
    expect(await roles.isAdmin(trainer)).toBe(false)
    expect(await roles.isClient(plain)).toBe(true)
    expectTypeOf(roles.isClient).toEqualTypeOf<(userId: string) => Promise<boolean>>()

    const custom = createRoleManager({
      clerk: createClerkClient({ apiUrl: clerk!.apiUrl, secretKey: clerk!.secretKey }),
      roles: defineRoles({
        roles: ['super-admin', 'member'],
        defaultRole: 'member',
        adminRole: 'super-admin',
      }),
    })
    expect(await custom.isSuperAdmin(trainer)).toBe(false)
    expect(await custom.isMember(trainer)).toBe(true)
    expect(() =>
      createRoleManager({
        clerk: createClerkClient({ secretKey: 'sk_test_x' }),
        roles: defineRoles({
          roles: ['super-admin', 'super_admin'],
          defaultRole: 'super_admin',
          adminRole: 'super-admin',
        }),
      }),
    ).toThrow(/makes isSuperAdmin, which another role or helper already has/)
    expectTypeOf(custom.isSuperAdmin).toEqualTypeOf<(userId: string) => Promise<boolean>>()
  })

  it('reads the role from session claims, or null when the token carries none', async () => {
    const { roles } = await setup()
    expect(roles.roleFromSessionClaims({ sub: 'user_1', metadata: { role: 'trainer' } })).toBe(
      'trainer',
    )
    expect(roles.roleFromSessionClaims({ sub: 'user_1', metadata: { role: 'root' } })).toBeNull()
    expect(roles.roleFromSessionClaims({ sub: 'user_1' })).toBeNull()
    expect(roles.roleFromSessionClaims(null)).toBeNull()
  })

  it('sets many roles a few at a time, waits out 429s, and reports each failure alone', async () => {
    const { clerk, roles, create, store } = await setup({
      rateLimit: { requests: 6, windowMs: 1000 },
    })
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      ids.push(await create('client'))
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const results = await roles.bulkSetUserRoles(
      [
        ...ids.map((userId) => ({ userId, role: 'trainer' as const })),
        { userId: 'user_missing', role: 'trainer' },
      ],
      {
        actor: 'user_admin',
      },
    )
    expect(results.slice(0, 4).every((r) => r.ok)).toBe(true)
    expect(results[4]).toMatchObject({
      userId: 'user_missing',
      ok: false,
      code: ErrorCode.USER_NOT_FOUND,
    })
    expect(clerk.requests().some((r) => r.status === 429)).toBe(true)
    for (const id of ids) expect(clerk.user(id)?.public_metadata.role).toBe('trainer')
    const audit = await store.listAuditEntries()
    expect(
      audit.entries.filter((e) => e.source === 'bulk' && e.actor === 'user_admin'),
    ).toHaveLength(4)
  }, 30_000)

  it('never lets one bulk call demote every admin', async () => {
    const { roles, create } = await setup()
    const admins = [await create('admin'), await create('admin')]
    const results = await roles.bulkSetUserRoles(
      admins.map((userId) => ({ userId, role: 'client' as const })),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, code: ErrorCode.LAST_ADMIN })
  })

  it('lists and counts users by role from the store or from Clerk', async () => {
    const { roles, create, sync, client } = await setup()
    const trainers = [await create('trainer'), await create('trainer'), await create('trainer')]
    await create('admin')
    await create()
    for (const id of [...trainers]) await roles.syncUserRole(id)
    const fromStore = await roles.getUsersByRole('trainer', { limit: 2 })
    expect(fromStore.users).toHaveLength(2)
    const rest = await roles.getUsersByRole('trainer', { limit: 2, cursor: fromStore.nextCursor })
    expect(rest.nextCursor).toBeNull()
    expect(new Set([...fromStore.users, ...rest.users].map((u) => u.id))).toEqual(new Set(trainers))

    const fromClerk = await roles.getUsersByRole('trainer', { source: 'clerk', limit: 2 })
    const clerkRest = await roles.getUsersByRole('trainer', {
      source: 'clerk',
      limit: 2,
      cursor: fromClerk.nextCursor,
    })
    expect(new Set([...fromClerk.users, ...clerkRest.users].map((u) => u.id))).toEqual(
      new Set(trainers),
    )
    expect(await roles.getUserCountByRole({ source: 'clerk' })).toEqual({
      admin: 1,
      trainer: 3,
      client: 1,
    })
    expect(await roles.getUserCountByRole()).toEqual({ admin: 0, trainer: 3, client: 0 })
    expect(sync.store).toBeDefined()
    expect(client).toBeDefined()
  })

  it('repairs one user from Clerk with syncUserRole, and never deletes on a 404', async () => {
    const { client, store, roles, create } = await setup()
    const id = await create('trainer')
    expect(await store.getUser(id)).toBeNull()
    expect((await roles.syncUserRole(id)).role).toBe('trainer')
    expect((await store.getUser(id))?.role).toBe('trainer')
    await client.users.updateUserMetadata(id, { publicMetadata: { role: 'admin' } })
    await roles.syncUserRole(id)
    expect((await store.listAuditEntries({ userId: id })).entries).toEqual([
      expect.objectContaining({
        fromRole: 'trainer',
        toRole: 'admin',
        source: 'sync',
        actor: null,
      }),
    ])
    // A user Clerk does not know (another instance? deleted?) is reported, not tombstoned.
    await client.users.deleteUser(id)
    await expect(roles.syncUserRole(id)).rejects.toMatchObject({ code: ErrorCode.USER_NOT_FOUND })
    expect((await store.getUser(id))?.role).toBe('admin')
  })

  it('is configured once: sync alone, or roles and store, not both', () => {
    const client = createClerkClient({ secretKey: 'sk_test_x' })
    const sync = createClerkSync({
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      store: new MemoryStore(),
      logger: silentLogger,
    })
    expect(() => createRoleManager({ clerk: client, sync, roles: sync.roles })).toThrow(
      /pass `sync` alone/,
    )
  })
})
