import type { EmittedEvent } from '@clerk-sync/testing/emulator'
import { describe, expect, it } from 'vitest'
import type { Arrival } from '../../test-support/chaos/front-proxy.js'
import { countOutOfOrderPairs } from '../../test-support/chaos/verify.js'

const event = (messageId: string, userId: string, updatedAt: number): EmittedEvent =>
  ({
    messageId,
    type: 'user.updated',
    payload: { data: { id: userId, updated_at: updatedAt }, timestamp: updatedAt },
  }) as unknown as EmittedEvent

const arrivals = (...ids: string[]): Arrival[] =>
  ids.map((svixId, seq) => ({ seq, svixId, backend: 0, cut: null, unreachable: false }))

describe('countOutOfOrderPairs, which the chaos runs must see above zero', () => {
  const events = [
    event('a1', 'u1', 10),
    event('a2', 'u1', 20),
    event('a3', 'u1', 30),
    event('b1', 'u2', 5),
  ]

  it('counts nothing when every user’s messages arrive in version order', () => {
    expect(countOutOfOrderPairs(events, arrivals('a1', 'b1', 'a2', 'a3'))).toBe(0)
  })

  it('counts every same-user pair that arrived newer first, not pairs across users', () => {
    expect(countOutOfOrderPairs(events, arrivals('a3', 'b1', 'a1', 'a2'))).toBe(2)
    expect(countOutOfOrderPairs(events, arrivals('a3', 'a2', 'a1', 'b1'))).toBe(3)
  })

  it('places a message at its first arrival; retries and unreachable attempts do not count', () => {
    const log = arrivals('a2', 'a1', 'a2', 'a3')
    log[0]!.unreachable = true
    // a2's first delivery never reached a server: it arrived after a1.
    expect(countOutOfOrderPairs(events, log)).toBe(0)
  })
})
