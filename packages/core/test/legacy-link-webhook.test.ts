import { ErrorCode } from '@clerk-sync/core'
import { clerkUser, userCreatedEvent, userUpdatedEvent } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { deliver, setupSync } from './helpers.js'

/** `createClerkSync({ linkLegacyUser })` on the webhook path, with real signed deliveries. */
describe('linkLegacyUser', () => {
  const T = Date.UTC(2026, 5, 1)

  function setup(link: (appId: string, clerkId: string) => Promise<void>) {
    const calls: Array<{ appId: string; clerkId: string; storedBefore: boolean }> = []
    const context = setupSync({
      groupCommit: false,
      linkLegacyUser: async (appId, clerkId) => {
        calls.push({
          appId,
          clerkId,
          storedBefore: (await context.store.getUser(clerkId)) !== null,
        })
        await link(appId, clerkId)
      },
    })
    return { ...context, calls }
  }

  it('links a user.created carrying an external_id before the user is written', async () => {
    const { sync, secret, store, calls } = setup(async () => {})
    const user = { ...clerkUser({ emails: ['ada@example.com'], updatedAt: T }), external_id: '42' }
    const result = await deliver(sync, userCreatedEvent(user), { secret })
    expect(result).toMatchObject({ status: 200, outcome: 'applied' })
    expect(calls).toEqual([{ appId: '42', clerkId: user.id, storedBefore: false }])
    expect(await store.getUser(user.id)).not.toBeNull()
  })

  it('leaves users without an external_id, and updates, alone', async () => {
    const { sync, secret, calls } = setup(async () => {})
    const plain = clerkUser({ emails: ['plain@example.com'], updatedAt: T })
    expect((await deliver(sync, userCreatedEvent(plain), { secret })).outcome).toBe('applied')
    const imported = { ...clerkUser({ updatedAt: T }), external_id: '7' }
    const updated = { ...imported, updated_at: T + 1000 }
    expect((await deliver(sync, userUpdatedEvent(updated), { secret })).outcome).toBe('applied')
    expect(calls).toEqual([])
  })

  it('answers 500 with LEGACY_LINK_FAILED and writes nothing when the link fails; the retry applies', async () => {
    let failing = true
    const { sync, secret, store, log } = setup(async () => {
      if (failing) throw new Error('connection refused')
    })
    const user = { ...clerkUser({ updatedAt: T }), external_id: 'app-1' }
    const event = userCreatedEvent(user)
    const first = await deliver(sync, event, { secret, id: 'msg_link' })
    expect(first).toMatchObject({
      status: 500,
      outcome: 'failed',
      code: ErrorCode.LEGACY_LINK_FAILED,
    })
    expect(first.message).toMatch(/linkLegacyUser failed for app user app-1: connection refused/)
    expect(await store.getUser(user.id)).toBeNull()
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1)

    failing = false
    const retry = await deliver(sync, event, { secret, id: 'msg_link' })
    expect(retry).toMatchObject({ status: 200, outcome: 'applied' })
    expect(await store.getUser(user.id)).not.toBeNull()
  })
})
