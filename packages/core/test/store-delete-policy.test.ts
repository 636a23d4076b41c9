import { ClerkSyncError, createClerkSync, MemoryStore } from '@clerk-sync/core'
import { withGroupCommit } from '@clerk-sync/core/store-kit'
import { clerkUser, userCreatedEvent, userDeletedEvent } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { captureLogger, deliver, setupSync } from './helpers.js'

const T = Date.UTC(2026, 3, 1)

describe('MemoryStore onDelete', () => {
  it('refuses an unknown policy at start-up', () => {
    expect(() => new MemoryStore({ onDelete: 'hide' as never })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringMatching(/onDelete/),
      }),
    )
  })

  it("keeps an anonymized row aside on user.deleted under 'anonymize', and never reads it back", async () => {
    const { sync, store, secret } = setupSync({ memory: { onDelete: 'anonymize' } })
    const user = clerkUser({ emails: ['ada@example.com'], firstName: 'Ada', updatedAt: T })
    await deliver(sync, userCreatedEvent(user), { secret })
    const deleted = await deliver(sync, userDeletedEvent(user.id, { timestamp: T + 2000 }), {
      secret,
    })
    expect(deleted.outcome).toBe('applied')
    const kept = store.snapshot().retiredUsers.get(user.id)
    expect(kept).toMatchObject({
      user: { id: user.id, email: null, firstName: null, imageUrl: null },
      deletedAt: new Date(T + 2000),
    })
    expect(store.snapshot().users.has(user.id)).toBe(false)
    expect(await sync.store.getUser(user.id)).toBeNull()
    expect(await sync.store.getUsers?.([user.id])).toEqual([])
  })
})

describe('getUsers through clerk-sync’s wrappers', () => {
  it('is kept by group commit and by the guarded store, whose failures become STORE_FAILED', async () => {
    const store = new MemoryStore()
    const cause = new Error('disk full')
    const sync = createClerkSync({
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      store: withGroupCommit(store),
      logger: captureLogger().logger,
    })
    expect(await sync.store.getUsers?.(['user_missing'])).toEqual([])
    store.getUsers = async () => {
      throw cause
    }
    const error = await sync.store.getUsers?.(['user_1']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClerkSyncError)
    expect(error).toMatchObject({ code: 'STORE_FAILED', cause })
  })

  it('stays absent for a store without it, so callers fall back to getUser', () => {
    const store = new MemoryStore()
    const { getUsers: _, ...withoutGetUsers } = Object.fromEntries(
      [
        'upsertUser',
        'deleteUser',
        'upsertUsers',
        'getUser',
        'listUsers',
        'countUsersByRole',
        'listAuditEntries',
        'pruneEvents',
        'getUsers',
      ].map((m) => [
        m,
        (store as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(store),
      ]),
    )
    const sync = createClerkSync({
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      store: withoutGetUsers as never,
      logger: captureLogger().logger,
    })
    expect(sync.store.getUsers).toBeUndefined()
  })
})
