import { describe, expect, it } from 'vitest'
import { callerFromClerkAuth } from '../src/index.js'

describe('callerFromClerkAuth: the set-role caller from a Clerk auth object', () => {
  const parties = ['https://app.example.com']

  it('is the userId, or null when signed out', () => {
    expect(callerFromClerkAuth({ userId: 'user_a', sessionClaims: {} })).toBe('user_a')
    expect(callerFromClerkAuth({ userId: null, sessionClaims: null })).toBeNull()
    expect(callerFromClerkAuth({ userId: undefined })).toBeNull()
  })

  it('with authorizedParties, refuses a session from another origin and accepts a listed one', () => {
    expect(
      callerFromClerkAuth(
        { userId: 'user_a', sessionClaims: { azp: 'https://evil.example' } },
        parties,
      ),
    ).toBeNull()
    expect(
      callerFromClerkAuth(
        { userId: 'user_a', sessionClaims: { azp: 'https://app.example.com' } },
        parties,
      ),
    ).toBe('user_a')
  })

  it('lets a token without azp through (minted outside a browser), as Clerk does', () => {
    expect(callerFromClerkAuth({ userId: 'user_a', sessionClaims: {} }, parties)).toBe('user_a')
  })

  it('checks nothing when no parties are given', () => {
    const foreign = { userId: 'user_a', sessionClaims: { azp: 'https://evil.example' } }
    expect(callerFromClerkAuth(foreign)).toBe('user_a')
    expect(callerFromClerkAuth(foreign, [])).toBe('user_a')
  })
})
