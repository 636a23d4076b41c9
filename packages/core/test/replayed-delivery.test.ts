import { ErrorCode, MemoryStore, type UserStore } from '@clerk-sync/core'
import { clerkUser, signedWebhookRequest, userCreatedEvent } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'
import { setupSync } from './helpers.js'

describe('a replayed delivery whose mapUser now throws', () => {
  function syncWithBreakableMapUser(store?: UserStore) {
    const mapping = { broken: false }
    const setup = setupSync({
      ...(store ? { store } : {}),
      mapUser: () => {
        if (mapping.broken) throw new Error('the plan lookup is down')
        return undefined
      },
    })
    return { ...setup, mapping }
  }

  it('answers duplicate, as the store would, when the event id is recorded', async () => {
    const { sync, secret, mapping } = syncWithBreakableMapUser()
    const payload = userCreatedEvent(clerkUser())
    const first = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: payload, id: 'msg_replayed' }),
    )
    expect(first.status).toBe(200)
    mapping.broken = true
    const replay = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: payload, id: 'msg_replayed' }),
    )
    expect(replay.status).toBe(200)
    expect(await replay.json()).toMatchObject({ outcome: 'duplicate', eventId: 'msg_replayed' })
  })

  it('still answers 500 MAP_USER_FAILED for an event id never handled', async () => {
    const { sync, secret, mapping, store } = syncWithBreakableMapUser()
    mapping.broken = true
    const user = clerkUser()
    const response = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: userCreatedEvent(user), id: 'msg_new' }),
    )
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ code: ErrorCode.MAP_USER_FAILED })
    expect(await store.getUser(user.id)).toBeNull()
  })

  it('answers 500 with a store that cannot say whether it has the event (no hasEvent)', async () => {
    // A store written before hasEvent existed: the method is simply not there.
    const store = new MemoryStore()
    Object.defineProperty(store, 'hasEvent', { value: undefined })
    const { sync, secret, mapping } = syncWithBreakableMapUser(store)
    const payload = userCreatedEvent(clerkUser())
    await sync.handleWebhook(signedWebhookRequest({ secret, body: payload, id: 'msg_old_store' }))
    mapping.broken = true
    const replay = await sync.handleWebhook(
      signedWebhookRequest({ secret, body: payload, id: 'msg_old_store' }),
    )
    expect(replay.status).toBe(500)
  })
})
