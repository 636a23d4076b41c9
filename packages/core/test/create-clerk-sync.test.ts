import {
  ClerkSyncError,
  createClerkSync,
  defineRoles,
  ErrorCode,
  MemoryStore,
  type WebhookResult,
} from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  userCreatedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { captureLogger, deliver, setupSync } from './helpers.js'

const secret = generateSigningSecret()

describe('createClerkSync options', () => {
  it.each([
    ['toleranceSeconds above 300', { toleranceSeconds: 301 }, /toleranceSeconds.*1 to 300/],
    ['toleranceSeconds of 0', { toleranceSeconds: 0 }, /toleranceSeconds/],
    ['a fractional toleranceSeconds', { toleranceSeconds: 1.5 }, /toleranceSeconds/],
    ['maxBodyBytes of 0', { maxBodyBytes: 0 }, /maxBodyBytes/],
  ])('refuses %s', (_, extra, pattern) => {
    expect(() =>
      createClerkSync({ signingSecret: secret, store: new MemoryStore(), ...extra }),
    ).toThrow(pattern)
  })

  it('refuses a missing store or one that lacks part of the contract', () => {
    expect(() => createClerkSync({ signingSecret: secret } as never)).toThrow(/`store` is required/)
    const { getUser: _, ...partial } = Object.fromEntries(
      [
        'upsertUser',
        'deleteUser',
        'upsertUsers',
        'getUser',
        'listUsers',
        'countUsersByRole',
        'listAuditEntries',
        'pruneEvents',
      ].map((m) => [m, async () => {}]),
    )
    expect(() => createClerkSync({ signingSecret: secret, store: partial as never })).toThrow(
      /lacks getUser/,
    )
  })

  it('types results with the configured roles', async () => {
    const roles = defineRoles({
      roles: ['owner', 'member'],
      defaultRole: 'member',
      adminRole: 'owner',
    })
    const sync = createClerkSync({
      signingSecret: secret,
      store: new MemoryStore(),
      roles,
      logger: captureLogger().logger,
    })
    const result = await deliver(sync, userCreatedEvent(clerkUser({ role: 'owner' })), { secret })
    expect(result.role).toBe('owner')
    expectTypeOf(result.role).toEqualTypeOf<'owner' | 'member' | undefined>()
    expectTypeOf(sync.roles.roles).toEqualTypeOf<readonly ('owner' | 'member')[]>()
  })

  it('writes mapUser’s extra columns with the user', async () => {
    const { sync, store, secret } = setupSync({
      mapUser: (clerkUser) => ({
        plan: clerkUser.public_metadata?.plan ?? 'free',
        locale: clerkUser.locale ?? null,
      }),
    })
    const user = clerkUser({ publicMetadata: { plan: 'pro' } })
    await deliver(sync, userCreatedEvent(user), { secret })
    expect((await store.getUser(user.id))?.extra).toEqual({ plan: 'pro', locale: null })
  })

  it.each([
    ['returns role', () => ({ role: 'admin' }), /mapUser returned role, which clerk-sync owns/],
    [
      'returns id and updatedAt',
      () => ({ id: 'user_other', updatedAt: new Date(0) }),
      /id, updatedAt/,
    ],
    ['returns an array', () => ['x'], /plain object/],
    [
      'throws',
      () => {
        throw new Error('boom')
      },
      /mapUser threw for user .*: boom/,
    ],
  ])(
    'answers 500 MAP_USER_FAILED and writes nothing when mapUser %s',
    async (_, mapUser, pattern) => {
      const { sync, store, secret } = setupSync({ mapUser: mapUser as never })
      const user = clerkUser()
      const result = await deliver(sync, userCreatedEvent(user), { secret })
      expect(result).toMatchObject({
        status: 500,
        outcome: 'failed',
        code: ErrorCode.MAP_USER_FAILED,
      })
      expect(result.message).toMatch(pattern)
      expect(store.snapshot().users.size).toBe(0)
      expect(store.snapshot().events.size).toBe(0)
    },
  )

  it('cannot let mapUser change the mapped user it is shown', async () => {
    const { sync, store, secret } = setupSync({
      mapUser: (_, mapped) => {
        try {
          ;(mapped as { role: string }).role = 'admin'
        } catch {}
        return undefined
      },
    })
    const user = clerkUser()
    await deliver(sync, userCreatedEvent(user), { secret })
    expect((await store.getUser(user.id))?.role).toBe('client')
  })

  it('cannot let mapUser move the version by mutating the Dates it is shown', async () => {
    const { sync, store, secret } = setupSync({
      mapUser: (_, mapped) => {
        try {
          mapped.updatedAt.setTime(8.64e15)
        } catch {}
        return undefined
      },
    })
    const user = clerkUser({ updatedAt: 1_700_000_000_000 })
    await deliver(sync, userCreatedEvent(user), { secret })
    expect(store.snapshot().syncState.get(user.id)?.version).toBe(1_700_000_000_000)
  })

  it('hands every result to onEvent, and survives an onEvent that throws', async () => {
    const seen: WebhookResult[] = []
    const { sync, secret, log } = setupSync({ onEvent: (result) => void seen.push(result) })
    const user = clerkUser()
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_1' })
    await deliver(sync, userCreatedEvent(user), { secret, id: 'msg_1' })
    await sync.processWebhook({ body: '{}', headers: {} })
    expect(seen.map((r) => r.outcome)).toEqual(['applied', 'duplicate', 'rejected'])

    const angry = setupSync({
      onEvent: () => {
        throw new Error('metrics down')
      },
    })
    const result = await deliver(angry.sync, userUpdatedEvent(clerkUser()), {
      secret: angry.secret,
    })
    expect(result.status).toBe(200)
    expect(
      angry.log.lines.some((l) => l.level === 'warn' && l.message.includes('metrics down')),
    ).toBe(true)
    expect(log.lines.length).toBe(3)
  })

  it('wraps store failures in one ClerkSyncError with the cause, for direct store calls too', async () => {
    const cause = new Error('disk full')
    const store = new MemoryStore()
    store.getUser = async () => {
      throw cause
    }
    const sync = createClerkSync({ signingSecret: secret, store, logger: captureLogger().logger })
    const error = await sync.store.getUser('user_1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClerkSyncError)
    expect(error).toMatchObject({
      code: 'STORE_FAILED',
      message: 'Store getUser failed: disk full',
      cause,
    })
  })

  it('prunes processed events older than 30 days by default', async () => {
    const { sync, store, secret } = setupSync()
    await deliver(sync, userCreatedEvent(clerkUser()), { secret })
    expect(await sync.pruneEvents()).toBe(0)
    expect(await sync.pruneEvents({ olderThan: new Date(Date.now() + 1000) })).toBe(1)
    expect(store.snapshot().events.size).toBe(0)
  })
})
