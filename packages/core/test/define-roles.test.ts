import { defaultRoles, defineRoles } from '@clerk-sync/core'
import { describe, expect, expectTypeOf, it } from 'vitest'

describe('defineRoles', () => {
  it('defaults to the seed app’s roles', () => {
    expect(defaultRoles.roles).toEqual(['admin', 'trainer', 'client'])
    expect(defaultRoles.defaultRole).toBe('client')
    expect(defaultRoles.adminRole).toBe('admin')
    expectTypeOf(defaultRoles.defaultRole).toEqualTypeOf<'admin' | 'trainer' | 'client'>()
  })

  it('narrows unknown values with isRole', () => {
    const roles = defineRoles({
      roles: ['owner', 'super-admin'],
      defaultRole: 'owner',
      adminRole: 'super-admin',
    })
    const value: unknown = 'super-admin'
    expect(roles.isRole(value)).toBe(true)
    expect(roles.isRole('admin')).toBe(false)
    expect(roles.isRole(undefined)).toBe(false)
    if (roles.isRole(value)) expectTypeOf(value).toEqualTypeOf<'owner' | 'super-admin'>()
  })

  it.each([
    ['no roles', { roles: [], defaultRole: 'a', adminRole: 'a' }, /at least one role/],
    ['a duplicate', { roles: ['a', 'a'], defaultRole: 'a', adminRole: 'a' }, /"a" is listed twice/],
    ['a blank role', { roles: ['a', ' '], defaultRole: 'a', adminRole: 'a' }, /non-empty string/],
    [
      'an unknown default',
      { roles: ['a', 'b'], defaultRole: 'c', adminRole: 'a' },
      /`defaultRole` "c" is not one of the roles \(a, b\)/,
    ],
    [
      'an unknown admin role',
      { roles: ['a', 'b'], defaultRole: 'a', adminRole: 'root' },
      /`adminRole` "root"/,
    ],
  ])('refuses %s', (_, input, pattern) => {
    expect(() => defineRoles(input as never)).toThrow(pattern)
  })

  it('is frozen, so roles are configured once', () => {
    const roles = defineRoles({ roles: ['a', 'b'], defaultRole: 'a', adminRole: 'b' })
    expect(Object.isFrozen(roles)).toBe(true)
    expect(Object.isFrozen(roles.roles)).toBe(true)
  })
})
