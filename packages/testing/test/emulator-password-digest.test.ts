import { randomBytes } from 'node:crypto'
import { createClerkClient } from '@clerk/backend'
import { type ClerkAPIResponseError, isClerkAPIResponseError } from '@clerk/backend/errors'
import {
  type ClerkEmulator,
  PASSWORD_HASHERS,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { argon2d, argon2i, argon2id, argon2Verify, bcrypt, bcryptVerify } from 'hash-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PASSWORD = 'correct horse battery staple'
const argon2Options = {
  password: PASSWORD,
  salt: randomBytes(16),
  parallelism: 1,
  iterations: 2,
  memorySize: 512,
  hashLength: 32,
  outputType: 'encoded',
} as const

async function apiError(call: Promise<unknown>): Promise<ClerkAPIResponseError> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (e: unknown) => e as ClerkAPIResponseError,
  )
  expect(isClerkAPIResponseError(error)).toBe(true)
  return error
}

describe('POST /v1/users keeps password_digest + password_hasher, as Clerk imports them', () => {
  let emulator: ClerkEmulator
  let client: ReturnType<typeof createClerkClient>
  let n = 0
  // `@clerk/backend` types the hasher narrower than the spec (no pbkdf2_sha512, sha512_symfony…).
  const create = (digest: string, hasher: string, extra: Record<string, unknown> = {}) =>
    client.users.createUser({
      emailAddress: [`import${n++}@example.com`],
      passwordDigest: digest,
      passwordHasher: hasher,
      ...extra,
    } as Parameters<typeof client.users.createUser>[0])

  beforeAll(async () => {
    emulator = await startClerkEmulator()
    client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  })
  afterAll(() => emulator.close())

  it('stores a bcrypt or argon2 digest that still verifies the original password, never in the User JSON', async () => {
    const digests = {
      bcrypt: await bcrypt({
        password: PASSWORD,
        salt: randomBytes(16),
        costFactor: 4,
        outputType: 'encoded',
      }),
      argon2i: await argon2i(argon2Options),
      argon2id: await argon2id(argon2Options),
    }
    for (const [hasher, digest] of Object.entries(digests)) {
      const user = await create(digest, hasher, { externalId: `legacy-${hasher}` })
      expect(user.passwordEnabled).toBe(true)
      expect(JSON.stringify(user.raw)).not.toContain(digest)
      expect(JSON.stringify(emulator.user(user.id))).not.toContain('digest')
      expect(emulator.passwordDigest(user.id)).toEqual({ digest, hasher })
      const stored = emulator.passwordDigest(user.id)!.digest
      const verified =
        hasher === 'bcrypt'
          ? await bcryptVerify({ password: PASSWORD, hash: stored })
          : await argon2Verify({ password: PASSWORD, hash: stored })
      expect(verified).toBe(true)
      expect(await bcryptVerify({ password: 'wrong', hash: digests.bcrypt })).toBe(false)
      // Found again by the app's own id, as a re-run of an import looks it up.
      const found = await client.users.getUserList({ externalId: [`legacy-${hasher}`] })
      expect(found.data.map((u) => u.id)).toEqual([user.id])
    }
    // Each of bcrypt's prefixes is taken.
    for (const prefix of ['$2b$', '$2y$']) {
      const user = await create(digests.bcrypt.replace(/^\$2a\$/, prefix), 'bcrypt')
      expect(emulator.passwordDigest(user.id)!.digest.startsWith(prefix)).toBe(true)
    }
  })

  it('refuses argon2d and malformed digests with 422 form_password_digest_invalid_code', async () => {
    const d = await argon2d(argon2Options)
    expect(d.startsWith('$argon2d$')).toBe(true)
    const bcryptDigest = await bcrypt({
      password: PASSWORD,
      salt: randomBytes(16),
      costFactor: 4,
      outputType: 'encoded',
    })
    const cases: Array<[string, string]> = [
      [d, 'argon2id'],
      [d, 'argon2i'],
      [(await argon2id(argon2Options)).replace('$argon2id$', '$argon2i$'), 'argon2id'],
      [bcryptDigest.replace(/^\$2a\$/, '$2x$'), 'bcrypt'],
      [bcryptDigest.slice(0, -1), 'bcrypt'],
      [await argon2id(argon2Options), 'bcrypt'],
      ['5f4dcc3b5aa765d61d8327deb882cf99', 'bcrypt'],
    ]
    const before = emulator.users().length
    for (const [digest, hasher] of cases) {
      const error = await apiError(create(digest, hasher))
      expect(error.status).toBe(422)
      expect(error.errors[0]!.code).toBe('form_password_digest_invalid_code')
      expect(error.errors[0]!.meta?.paramName).toBe('password_digest')
    }
    expect(emulator.users()).toHaveLength(before)
  })

  it('accepts every hasher bapi.yml lists and refuses others and a digest without one', async () => {
    const bcryptDigest = await bcrypt({
      password: PASSWORD,
      salt: randomBytes(16),
      costFactor: 4,
      outputType: 'encoded',
    })
    const argon = await argon2id(argon2Options)
    for (const hasher of PASSWORD_HASHERS) {
      const digest =
        hasher === 'bcrypt'
          ? bcryptDigest
          : hasher === 'argon2i'
            ? await argon2i(argon2Options)
            : hasher === 'argon2id'
              ? argon
              : `${hasher}$opaque$digest`
      const user = await create(digest, hasher)
      expect(emulator.passwordDigest(user.id)).toEqual({ digest, hasher })
    }
    expect(PASSWORD_HASHERS).toEqual(
      expect.arrayContaining(['pbkdf2_sha512', 'pbkdf2_sha512_hex', 'sha512_symfony']),
    )
    for (const hasher of ['argon2d', 'awscognito', 'plaintext', 'BCRYPT']) {
      const error = await apiError(create(bcryptDigest, hasher))
      expect(error.status).toBe(422)
      expect(error.errors[0]).toMatchObject({
        code: 'form_param_value_invalid',
        meta: { paramName: 'password_hasher' },
      })
    }
    const missing = await apiError(
      client.users.createUser({ emailAddress: ['nohasher@example.com'], passwordDigest: argon }),
    )
    expect(missing.errors[0]).toMatchObject({
      code: 'form_param_missing',
      meta: { paramName: 'password_hasher' },
    })
  })

  it('PATCH replaces the digest, a plaintext password or a delete forgets it', async () => {
    const first = await argon2id(argon2Options)
    const user = await create(first, 'argon2id')
    const second = await bcrypt({
      password: 'another password',
      salt: randomBytes(16),
      costFactor: 4,
      outputType: 'encoded',
    })
    await client.users.updateUser(user.id, { passwordDigest: second, passwordHasher: 'bcrypt' })
    expect(emulator.passwordDigest(user.id)).toEqual({ digest: second, hasher: 'bcrypt' })
    const refused = await apiError(
      client.users.updateUser(user.id, {
        passwordDigest: await argon2d(argon2Options),
        passwordHasher: 'argon2id',
      }),
    )
    expect(refused.errors[0]!.code).toBe('form_password_digest_invalid_code')
    expect(emulator.passwordDigest(user.id)!.digest).toBe(second)
    await client.users.updateUser(user.id, { password: 'a brand new password' })
    expect(emulator.passwordDigest(user.id)).toBeNull()

    const gone = await create(first, 'argon2id')
    await client.users.deleteUser(gone.id)
    expect(emulator.passwordDigest(gone.id)).toBeNull()
    expect(emulator.passwordDigest('user_missing')).toBeNull()
    const plain = await client.users.createUser({
      emailAddress: ['plain@example.com'],
      password: 'a plain password',
    })
    expect(emulator.passwordDigest(plain.id)).toBeNull()
  })

  it('creates an email the app never verified as reserved: unverified in the User JSON', async () => {
    const user = await client.users.createUser({
      emailAddress: ['unverified@example.com', 'checked@example.com'],
      emailAddressIdentificationStatus: ['reserved', 'verified'],
      externalId: 'legacy-unverified',
    })
    const raw = emulator.user(user.id)!
    const [reserved, verified] = raw.email_addresses
    expect(reserved).toMatchObject({ email_address: 'unverified@example.com', reserved: true })
    expect(reserved!.verification).toBeNull()
    expect(verified).toMatchObject({ reserved: false, verification: { status: 'verified' } })
    // Still the primary address (the first one), and locked: no one else can claim it.
    expect(raw.primary_email_address_id).toBe(reserved!.id)
    expect(user.primaryEmailAddress?.verification).toBeNull()
    const taken = await apiError(
      client.users.createUser({ emailAddress: ['UNVERIFIED@example.com'] }),
    )
    expect(taken.errors[0]!.code).toBe('form_identifier_exists')
  })
})
