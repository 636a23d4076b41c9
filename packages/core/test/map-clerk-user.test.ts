import { defineRoles, mapClerkUser } from '@clerk-sync/core'
import { clerkUser } from '@clerk-sync/testing'
import { describe, expect, expectTypeOf, it } from 'vitest'
import specCreated from '../../testing/reference/spec-user.created.json'
import specUpdated from '../../testing/reference/spec-user.updated.json'

describe('mapClerkUser', () => {
  it('picks the primary email and phone among several, not the first', () => {
    const user = clerkUser({
      emails: ['first@example.com', 'second@example.com'],
      phones: ['+15555550100', '+15555550101'],
    })
    user.primary_email_address_id = user.email_addresses[1]!.id
    user.primary_phone_number_id = user.phone_numbers[1]!.id
    const mapped = mapClerkUser(user)
    expect(mapped.email).toBe('second@example.com')
    expect(mapped.phone).toBe('+15555550101')
  })

  it('maps every field, with Dates from Clerk’s millisecond epochs', () => {
    const user = clerkUser({
      id: 'user_abc123',
      emails: ['ada@example.com'],
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'ada',
      role: 'trainer',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_360_000,
      imageUrl: 'https://img.clerk.com/ada',
    })
    expect(mapClerkUser(user)).toEqual({
      id: 'user_abc123',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: 'ada',
      phone: null,
      imageUrl: 'https://img.clerk.com/ada',
      role: 'trainer',
      createdAt: new Date(1_700_000_000_000),
      updatedAt: new Date(1_700_000_360_000),
    })
  })

  it('syncs a user with no email, with a warning', () => {
    const warnings: string[] = []
    const user = clerkUser({ emails: [], phones: ['+15555550100'], username: 'phoneonly' })
    const mapped = mapClerkUser(user, undefined, { onWarning: (m) => warnings.push(m) })
    expect(mapped).toMatchObject({ email: null, phone: '+15555550100', username: 'phoneonly' })
    expect(warnings).toEqual([
      `User ${user.id} has no primary email address; synced with email null`,
    ])
  })

  it('treats a primary id that points at no address as no email (Clerk’s spec example does this)', () => {
    const mapped = mapClerkUser(specCreated.data as never, undefined, { onWarning: () => {} })
    expect(mapped.email).toBeNull()
    expect(mapped.createdAt).toEqual(new Date(1716883200000))
  })

  it('takes the role from public_metadata only, never from unsafe_metadata', () => {
    const sneaky = clerkUser({ unsafeMetadata: { role: 'admin' } })
    expect(mapClerkUser(sneaky).role).toBe('client')
    const privateToo = clerkUser({ privateMetadata: { role: 'admin' } })
    expect(mapClerkUser(privateToo).role).toBe('client')
    expect(mapClerkUser(clerkUser({ role: 'admin' })).role).toBe('admin')
  })

  it.each([['superuser'], [42], [{ admin: true }], [['admin']], ['Admin']])(
    'turns public_metadata.role %j into the default role with a warning',
    (role) => {
      const warnings: string[] = []
      const user = clerkUser({ role })
      expect(mapClerkUser(user, undefined, { onWarning: (m) => warnings.push(m) }).role).toBe(
        'client',
      )
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/is not one of admin, trainer, client; using "client"/)
    },
  )

  it('gives the default role silently when no role is set (Clerk’s spec example)', () => {
    const warnings: string[] = []
    const mapped = mapClerkUser(specUpdated.data as never, undefined, {
      onWarning: (m) => warnings.push(m),
    })
    expect(mapped.role).toBe('client')
    expect(warnings.filter((w) => w.includes('role'))).toEqual([])
  })

  it('uses the app’s roles and types the result with them', () => {
    const roles = defineRoles({
      roles: ['owner', 'member'],
      defaultRole: 'member',
      adminRole: 'owner',
    })
    const mapped = mapClerkUser(clerkUser({ role: 'owner' }), roles)
    expect(mapped.role).toBe('owner')
    expectTypeOf(mapped.role).toEqualTypeOf<'owner' | 'member'>()
    expect(mapClerkUser(clerkUser({ role: 'admin' }), roles, { onWarning: () => {} }).role).toBe(
      'member',
    )
  })

  it('treats empty strings from Clerk as null', () => {
    const mapped = mapClerkUser({ ...clerkUser(), first_name: '', last_name: '', username: '' })
    expect(mapped).toMatchObject({ firstName: null, lastName: null, username: null })
  })

  it('truncates a huge role value in the warning', () => {
    const warnings: string[] = []
    mapClerkUser(clerkUser({ role: 'x'.repeat(10_000) }), undefined, {
      onWarning: (m) => warnings.push(m),
    })
    expect(warnings[0]!.length).toBeLessThan(200)
  })
})
