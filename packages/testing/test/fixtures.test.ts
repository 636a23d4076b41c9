import { readFileSync } from 'node:fs'
import {
  clerkUser,
  userCreatedEvent,
  userDeletedEvent,
  userUpdatedEvent,
} from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'

const reference = (name: string) =>
  JSON.parse(readFileSync(new URL(`../reference/${name}.json`, import.meta.url), 'utf8'))

const keys = (value: object) => Object.keys(value).sort()

describe('fixtures are shaped like Clerk’s payloads', () => {
  it('builds a user with every field of Clerk’s published user.updated example', () => {
    const spec = reference('spec-user.updated').data
    const missing = keys(spec).filter((key) => !(key in clerkUser()))
    expect(missing).toEqual([])
  })

  it('builds the event envelopes with the same keys as Clerk’s examples', () => {
    const user = clerkUser()
    expect(keys(userCreatedEvent(user))).toEqual(keys(reference('spec-user.created')))
    expect(keys(userUpdatedEvent(user))).toEqual(keys(reference('spec-user.updated')))
    expect(keys(userDeletedEvent(user.id))).toEqual(keys(reference('spec-user.deleted')))
    expect(keys(userDeletedEvent(user.id).data)).toEqual(
      keys(reference('spec-user.deleted').data).filter((k) => k !== 'external_id'),
    )
  })

  it('builds email addresses and phone numbers with the fields the Backend API schema requires', () => {
    const user = clerkUser({ emails: ['a@example.com', 'b@example.com'], phones: ['+15555550100'] })
    for (const email of user.email_addresses) {
      for (const key of [
        'id',
        'object',
        'email_address',
        'verification',
        'linked_to',
        'reserved',
        'created_at',
        'updated_at',
      ]) {
        expect(email).toHaveProperty(key)
      }
    }
    for (const key of [
      'id',
      'object',
      'phone_number',
      'verification',
      'linked_to',
      'reserved',
      'created_at',
      'updated_at',
    ]) {
      expect(user.phone_numbers[0]).toHaveProperty(key)
    }
    expect(user.primary_email_address_id).toBe(user.email_addresses[0]!.id)
    expect(user.primary_phone_number_id).toBe(user.phone_numbers[0]!.id)
  })

  it('uses millisecond timestamps like real deliveries', () => {
    const event = userCreatedEvent(clerkUser())
    expect(event.timestamp).toBeGreaterThan(1e12)
    expect(event.data.created_at).toBeGreaterThan(1e12)
  })

  it('builds a user with no email and one with metadata', () => {
    const user = clerkUser({
      emails: [],
      role: 'admin',
      publicMetadata: { plan: 'pro' },
      unsafeMetadata: { theme: 'dark' },
    })
    expect(user.primary_email_address_id).toBeNull()
    expect(user.email_addresses).toEqual([])
    expect(user.public_metadata).toEqual({ plan: 'pro', role: 'admin' })
    expect(user.unsafe_metadata).toEqual({ theme: 'dark' })
  })
})
