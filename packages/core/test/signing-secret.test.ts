import {
  ClerkSyncError,
  createClerkSync,
  MemoryStore,
  resolveSigningSecrets,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'

const good = generateSigningSecret()

describe('signing secret', () => {
  it('reads CLERK_WEBHOOK_SIGNING_SECRET, then CLERK_WEBHOOK_SECRET', () => {
    const other = generateSigningSecret()
    expect(
      resolveSigningSecrets(undefined, {
        CLERK_WEBHOOK_SIGNING_SECRET: good,
        CLERK_WEBHOOK_SECRET: other,
      }),
    ).toEqual([good])
    expect(resolveSigningSecrets(undefined, { CLERK_WEBHOOK_SECRET: other })).toEqual([other])
  })

  it('prefers the option over the environment and accepts several for rotation', () => {
    const other = generateSigningSecret()
    expect(resolveSigningSecrets(good, { CLERK_WEBHOOK_SIGNING_SECRET: other })).toEqual([good])
    expect(resolveSigningSecrets([good, other], {})).toEqual([good, other])
    expect(
      resolveSigningSecrets(undefined, { CLERK_WEBHOOK_SIGNING_SECRET: `${good} ${other}` }),
    ).toEqual([good, other])
  })

  it('trims whitespace copied around a secret (a .env line, the dashboard), also in rotation lists', () => {
    expect(resolveSigningSecrets(`${good} \n`, {})).toEqual([good])
    expect(resolveSigningSecrets([`\t${good}`], {})).toEqual([good])
    expect(
      resolveSigningSecrets(undefined, { CLERK_WEBHOOK_SIGNING_SECRET: `${good}\r\n` }),
    ).toEqual([good])
  })

  it('accepts keys of 24 to 64 bytes', () => {
    expect(resolveSigningSecrets(generateSigningSecret(24), {})).toHaveLength(1)
    expect(resolveSigningSecrets(generateSigningSecret(32), {})).toHaveLength(1)
    expect(resolveSigningSecrets(generateSigningSecret(64), {})).toHaveLength(1)
  })

  it.each([
    [
      'missing',
      undefined,
      {},
      /Missing webhook signing secret\. Set the CLERK_WEBHOOK_SIGNING_SECRET/,
    ],
    [
      'empty in the environment',
      undefined,
      { CLERK_WEBHOOK_SIGNING_SECRET: '' },
      /^CLERK_WEBHOOK_SIGNING_SECRET is not a valid webhook signing secret: it is empty/,
    ],
    [
      'blank in the legacy variable',
      undefined,
      { CLERK_WEBHOOK_SECRET: '  ' },
      /^CLERK_WEBHOOK_SECRET .*empty/,
    ],
    [
      'without the whsec_ prefix',
      undefined,
      { CLERK_WEBHOOK_SIGNING_SECRET: 'sk_test_abc' },
      /^CLERK_WEBHOOK_SIGNING_SECRET .*does not start with "whsec_"/,
    ],
    ['not base64', 'whsec_not*base64!', {}, /^The signingSecret option .*not base64/],
    ['a 16-byte key', generateSigningSecret(16), {}, /key is 16 bytes, expected 24 to 64/],
    ['a 65-byte key', generateSigningSecret(65), {}, /key is 65 bytes, expected 24 to 64/],
    ['an empty option', '', {}, /^The signingSecret option .*empty/],
    ['an empty array', [], {}, /array is empty/],
    ['a bad rotation entry', [good, 'whsec_'], {}, /^signingSecret\[1\]/],
    ['the prefix alone', 'whsec_', {}, /^The signingSecret option .*nothing after whsec_/],
    [
      'the prefix alone in the environment',
      undefined,
      { CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_' },
      /^CLERK_WEBHOOK_SIGNING_SECRET .*nothing after whsec_/,
    ],
    ['a 3-byte key', 'whsec_YWJj', {}, /key is 3 bytes, expected 24 to 64/],
  ])('throws at construction when %s, naming the source', (_, option, env, pattern) => {
    let caught: unknown
    try {
      resolveSigningSecrets(option as string | string[] | undefined, env)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ClerkSyncError)
    expect((caught as ClerkSyncError).code).toBe('SIGNING_SECRET_INVALID')
    expect((caught as Error).message).toMatch(pattern)
  })

  it('never echoes the secret in an error', () => {
    const almost = 'whsec_c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw' // 35 chars: not base64-aligned
    expect(() => resolveSigningSecrets(almost, {})).toThrow(ClerkSyncError)
    try {
      resolveSigningSecrets(almost, {})
    } catch (error) {
      expect((error as Error).message).not.toContain('c2VjcmV0')
    }
  })

  it('makes createClerkSync throw before any request arrives', () => {
    const saved = { ...process.env }
    delete process.env.CLERK_WEBHOOK_SIGNING_SECRET
    delete process.env.CLERK_WEBHOOK_SECRET
    try {
      expect(() => createClerkSync({ store: new MemoryStore() })).toThrow(
        /CLERK_WEBHOOK_SIGNING_SECRET/,
      )
      process.env.CLERK_WEBHOOK_SIGNING_SECRET = good
      expect(() => createClerkSync({ store: new MemoryStore() })).not.toThrow()
    } finally {
      process.env = saved
    }
  })
})
