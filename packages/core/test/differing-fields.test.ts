import type { SyncedUser } from '@clerk-sync/core'
import { describe, expect, it } from 'vitest'
import { differingFields } from '../src/backfill/differing-fields.js'

const T = Date.UTC(2026, 3, 1, 12, 0, 0) + 567
const clerk: SyncedUser<string> = {
  id: 'user_1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  username: null,
  phone: null,
  imageUrl: null,
  role: 'member',
  createdAt: new Date(T),
  updatedAt: new Date(T + 1000),
  extra: { plan: { tier: 'pro', seats: 3 } },
}

describe('differingFields (reconcile)', () => {
  it('finds nothing for the same user, whatever order a JSON column gives keys back in', () => {
    const stored = { ...clerk, extra: { plan: { seats: 3, tier: 'pro' } } }
    expect(differingFields(clerk, stored)).toEqual([])
  })

  it('names each field that differs, extras as extra.<key>', () => {
    const stored = { ...clerk, firstName: 'Edited', extra: { plan: { tier: 'free', seats: 3 } } }
    expect(differingFields(clerk, stored)).toEqual(['firstName', 'extra.plan'])
  })

  it('takes a time a whole-second column kept, truncated or rounded, as the same time', () => {
    const truncated = {
      ...clerk,
      createdAt: new Date(T - 567),
      updatedAt: new Date(T + 1000 - 567),
    }
    const rounded = { ...clerk, createdAt: new Date(T + 433), updatedAt: new Date(T + 1433) }
    expect(differingFields(clerk, truncated)).toEqual([])
    expect(differingFields(clerk, rounded)).toEqual([])
  })

  it('still finds a time that is off by a second or more, or off by milliseconds', () => {
    const secondOff = { ...clerk, createdAt: new Date(T - 567 - 1000) }
    const msOff = { ...clerk, updatedAt: new Date(T + 1000 + 1) }
    expect(differingFields(clerk, secondOff)).toEqual(['createdAt'])
    expect(differingFields(clerk, msOff)).toEqual(['updatedAt'])
  })

  it('compares only the fields the store keeps', () => {
    const stored = { ...clerk, phone: null, firstName: null }
    const withPhone = { ...clerk, phone: '+15555550100' }
    expect(differingFields(withPhone, stored, ['email', 'role'])).toEqual([])
    expect(differingFields(withPhone, stored)).toEqual(['firstName', 'phone'])
  })
})
