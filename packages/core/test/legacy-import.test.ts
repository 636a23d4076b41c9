import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { createClerkClient } from '@clerk/backend'
import {
  importLegacyUsers,
  type LegacyImportItem,
  type LegacyUser,
  type LegacyUserSource,
} from '@clerk-sync/core'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { argon2d, argon2i, argon2id, argon2Verify, bcrypt, bcryptVerify } from 'hash-wasm'
import { afterEach, describe, expect, it } from 'vitest'

/** The app's users table, in memory: rows keep their Clerk id once linked. */
class AppUsers implements LegacyUserSource {
  readonly rows: Array<LegacyUser & { clerkId: string | null }> = []
  links = 0
  constructor(users: LegacyUser[]) {
    for (const user of users) this.rows.push({ ...user, clerkId: null })
  }
  async *[Symbol.asyncIterator]() {
    for (const row of this.rows) if (row.clerkId === null) yield { ...row }
  }
  async link(appId: string, clerkId: string) {
    this.links++
    const row = this.rows.find((r) => r.appId === appId)
    if (row && row.clerkId === null) row.clerkId = clerkId
  }
  clerkIdOf(appId: string) {
    return this.rows.find((r) => r.appId === appId)?.clerkId ?? null
  }
}

const salt = () => new Uint8Array(randomBytes(16))
const bcryptOf = (password: string) =>
  bcrypt({ password, salt: salt(), costFactor: 4, outputType: 'encoded' })
const argonParams = (password: string) => ({
  password,
  salt: salt(),
  parallelism: 1,
  iterations: 2,
  memorySize: 64,
  hashLength: 32,
  outputType: 'encoded' as const,
})

function legacyUser(appId: string, extra: Partial<LegacyUser> = {}): LegacyUser {
  return { appId, email: `user${appId}@example.com`, emailVerified: true, ...extra }
}

/**
 * A real HTTP proxy in front of the emulator that holds back every `POST /v1/users` after the
 * first until `release()`: those creations are certainly still in flight when the first one ends.
 */
async function holdingProxy(target: string) {
  let first = true
  let released = false
  const held: Array<() => void> = []
  const heldWaiters: Array<() => void> = []
  const answering = new Set<Promise<void>>()
  const server = createServer((req, res) => {
    const answered = (async () => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const isCreate =
        req.method === 'POST' && new URL(req.url ?? '/', 'http://proxy').pathname === '/v1/users'
      if (isCreate && !first && !released) {
        await new Promise<void>((resolve) => {
          held.push(resolve)
          for (const wake of heldWaiters.splice(0)) wake()
        })
      }
      if (isCreate) first = false
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
          headers.set(name, value)
      }
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
      res.writeHead(answer.status, {
        'Content-Type': answer.headers.get('content-type') ?? 'application/json',
      })
      res.end(Buffer.from(await answer.arrayBuffer()))
    })()
    answering.add(answered)
    void answered.finally(() => answering.delete(answered))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    /** Resolves once some creation is being held back. */
    holding: () =>
      held.length > 0 ? Promise.resolve() : new Promise<void>((r) => heldWaiters.push(r)),
    release: () => {
      released = true
      for (const go of held.splice(0)) go()
    },
    /** Resolves when every request the proxy took has been answered. */
    async drained() {
      while (answering.size > 0) await Promise.all(answering)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('importLegacyUsers against the emulator', () => {
  let emulator: ClerkEmulator | undefined
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
  })

  async function setup(options: Parameters<typeof startClerkEmulator>[0] = {}) {
    emulator = await startClerkEmulator(options)
    const clerk = createClerkClient({
      apiUrl: emulator.apiUrl,
      secretKey: emulator.secretKey,
      telemetry: { disabled: true },
    })
    return { emulator, clerk }
  }

  it('creates bcrypt- and argon2-hashed users with their digest, external_id, names and role; the stored digests check the original passwords', async () => {
    const { emulator, clerk } = await setup()
    const passwords = { b: 'correct horse battery', i: 'argon two i', id: 'argon two id' }
    const source = new AppUsers([
      legacyUser('1', {
        firstName: 'Ada',
        lastName: 'Lovelace',
        role: 'admin',
        passwordDigest: await bcryptOf(passwords.b),
      }),
      legacyUser('2', { passwordDigest: await argon2i(argonParams(passwords.i)) }),
      legacyUser('3', { passwordDigest: await argon2id(argonParams(passwords.id)) }),
      legacyUser('4', { role: 'client' }),
    ])

    const result = await importLegacyUsers({ clerk, source, apply: true })

    expect(result).toMatchObject({ dryRun: false, scanned: 4, created: 4, linked: 4 })
    expect(result.conflicts).toBe(0)
    expect(result.items.map((i) => i.outcome)).toEqual(Array(4).fill('created'))
    const byExternalId = new Map(emulator.users().map((u) => [u.external_id, u]))
    for (const row of source.rows) {
      const user = byExternalId.get(row.appId)
      expect(user, row.appId).toBeDefined()
      expect(row.clerkId).toBe(user?.id)
      expect(user?.email_addresses.map((e) => e.email_address)).toEqual([row.email])
    }
    expect(byExternalId.get('1')).toMatchObject({
      first_name: 'Ada',
      last_name: 'Lovelace',
      public_metadata: { role: 'admin' },
      password_enabled: true,
    })
    expect(byExternalId.get('4')).toMatchObject({
      public_metadata: { role: 'client' },
      password_enabled: false,
    })

    const stored = (appId: string) => emulator.passwordDigest(byExternalId.get(appId)?.id ?? '')
    expect(stored('1')?.hasher).toBe('bcrypt')
    expect(stored('2')?.hasher).toBe('argon2i')
    expect(stored('3')?.hasher).toBe('argon2id')
    expect(stored('4')).toBeNull()
    expect(await bcryptVerify({ password: passwords.b, hash: stored('1')?.digest ?? '' })).toBe(
      true,
    )
    expect(await argon2Verify({ password: passwords.i, hash: stored('2')?.digest ?? '' })).toBe(
      true,
    )
    expect(await argon2Verify({ password: passwords.id, hash: stored('3')?.digest ?? '' })).toBe(
      true,
    )
    expect(
      await bcryptVerify({ password: 'wrong password', hash: stored('1')?.digest ?? '' }),
    ).toBe(false)
  })

  it('creates an email the app never verified as reserved, not verified', async () => {
    const { emulator, clerk } = await setup()
    const source = new AppUsers([
      legacyUser('v', { emailVerified: true }),
      legacyUser('u', { emailVerified: false }),
    ])
    await importLegacyUsers({ clerk, source, apply: true })
    const email = (appId: string) =>
      emulator.users().find((u) => u.external_id === appId)?.email_addresses[0]
    expect(email('v')?.verification).toMatchObject({ status: 'verified' })
    expect(email('u')).toMatchObject({ reserved: true, verification: null })
  })

  it('is a dry run by default: reports what it would do, creates and links nothing', async () => {
    const { emulator, clerk } = await setup()
    const source = new AppUsers([
      legacyUser('1', { passwordDigest: await bcryptOf('pw pw pw pw') }),
      legacyUser('2', { passwordDigest: await argon2d(argonParams('pw pw pw pw')) }),
    ])
    const result = await importLegacyUsers({ clerk, source })
    expect(result).toMatchObject({ dryRun: true, scanned: 2, created: 0, linked: 0, conflicts: 1 })
    expect(result.items).toEqual([
      { appId: '1', outcome: 'would_create' },
      { appId: '2', outcome: 'rejected_hash', reason: expect.stringMatching(/argon2d/) },
    ])
    expect(emulator.users()).toEqual([])
    expect(source.links).toBe(0)
  })

  it('re-run is a no-op; a user created but never linked back is skipped and linked', async () => {
    const { emulator, clerk } = await setup()
    const source = new AppUsers([legacyUser('1'), legacyUser('2'), legacyUser('3')])
    // A previous run that died after creating user 2 in Clerk, before its link-back.
    const orphan = await clerk.users.createUser({
      externalId: '2',
      emailAddress: ['user2@example.com'],
      skipPasswordRequirement: true,
    })

    const first = await importLegacyUsers({ clerk, source, apply: true })
    expect(first).toMatchObject({ scanned: 3, created: 2, skipped: 1, linked: 3, conflicts: 0 })
    expect(first.items.find((i) => i.appId === '2')).toEqual({
      appId: '2',
      outcome: 'already_imported',
      clerkId: orphan.id,
    })
    expect(source.clerkIdOf('2')).toBe(orphan.id)
    const usersAfterFirst = emulator.users()
    expect(usersAfterFirst).toHaveLength(3)

    const requestsBefore = emulator.requests().length
    const second = await importLegacyUsers({ clerk, source, apply: true })
    expect(second).toMatchObject({ scanned: 0, created: 0, linked: 0, skipped: 0, conflicts: 0 })
    expect(emulator.users()).toEqual(usersAfterFirst)
    expect(emulator.requests().length).toBe(requestsBefore)
  })

  it('reports conflicts per user and goes on: a taken email, argon2d, an unknown digest, an unlisted hasher', async () => {
    const { emulator, clerk } = await setup()
    emulator.seedUsers([{ emails: ['taken@example.com'] }])
    const source = new AppUsers([
      legacyUser('1'),
      legacyUser('2', { email: 'Taken@example.com' }),
      legacyUser('3', { passwordDigest: await argon2d(argonParams('pw pw pw pw')) }),
      legacyUser('4', { passwordDigest: '5f4dcc3b5aa765d61d8327deb882cf99' }),
      legacyUser('5', { passwordDigest: 'x$y', passwordHasher: 'rot13' }),
      legacyUser('6'),
    ])
    const seen: LegacyImportItem[] = []
    const result = await importLegacyUsers({
      clerk,
      source,
      apply: true,
      onItem: (item) => seen.push(item),
    })
    expect(result).toMatchObject({ scanned: 6, created: 2, conflicts: 4, linked: 2 })
    expect(seen).toEqual(result.items)
    const outcome = Object.fromEntries(result.items.map((i) => [i.appId, i]))
    expect(outcome['2']).toMatchObject({
      outcome: 'conflict',
      reason: expect.stringMatching(/form_identifier_exists/),
    })
    expect(outcome['3']).toMatchObject({ outcome: 'rejected_hash' })
    expect(outcome['4']).toMatchObject({ outcome: 'rejected_hash' })
    expect(outcome['4']?.reason).not.toContain('5f4dcc3b')
    expect(outcome['5']).toMatchObject({ outcome: 'rejected_hash', reason: /rot13/ })
    expect(outcome['1']?.outcome).toBe('created')
    expect(outcome['6']?.outcome).toBe('created')
    expect(source.rows.filter((r) => r.clerkId !== null).map((r) => r.appId)).toEqual(['1', '6'])
  })

  it('reports a taken email that only the create call finds (422 form_identifier_exists)', async () => {
    const { emulator, clerk } = await setup()
    // Two app users with one address: the look-up finds neither, Clerk refuses the second.
    const source = new AppUsers([
      legacyUser('1', { email: 'twin@example.com' }),
      legacyUser('2', { email: 'twin@example.com' }),
    ])
    const result = await importLegacyUsers({ clerk, source, apply: true })
    expect(result).toMatchObject({ created: 1, conflicts: 1 })
    const conflict = result.items.find((i) => i.outcome === 'conflict')
    expect(conflict?.reason).toMatch(/email address already belongs.*form_identifier_exists/)
    expect(emulator.users()).toHaveLength(1)
  })

  it('sends the hashers @clerk/backend’s type leaves out (pbkdf2_sha512, sha512_symfony) and the app’s override', async () => {
    const { emulator, clerk } = await setup()
    const digests = {
      p: 'pbkdf2_sha512$210000$c2FsdHNhbHQ$0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9',
      s: 'sha512_symfony$5000$salt$aGFzaGhhc2hoYXNo',
      o: 'pbkdf2_sha256$260000$salt$aGFzaGhhc2hoYXNoaGFzaA==',
    }
    const source = new AppUsers([
      legacyUser('p', { passwordDigest: digests.p }),
      legacyUser('s', { passwordDigest: digests.s }),
      legacyUser('o', { passwordDigest: digests.o, passwordHasher: 'pbkdf2_sha256_django' }),
    ])
    const result = await importLegacyUsers({ clerk, source, apply: true })
    expect(result).toMatchObject({ created: 3, conflicts: 0 })
    const stored = (appId: string) =>
      emulator.passwordDigest(emulator.users().find((u) => u.external_id === appId)?.id ?? '')
    expect(stored('p')).toEqual({ digest: digests.p, hasher: 'pbkdf2_sha512' })
    expect(stored('s')).toEqual({ digest: digests.s, hasher: 'sha512_symfony' })
    expect(stored('o')).toEqual({ digest: digests.o, hasher: 'pbkdf2_sha256_django' })
  })

  it('looks users up 100 external ids per call, waits out 429s and loses nobody', async () => {
    const { emulator, clerk } = await setup({ rateLimit: { requests: 60, windowMs: 1000 } })
    const count = 230
    const source = new AppUsers(Array.from({ length: count }, (_, i) => legacyUser(String(i))))
    const progress: number[] = []
    const result = await importLegacyUsers({
      clerk,
      source,
      apply: true,
      onProgress: (p) => progress.push(p.scanned),
    })
    expect(result).toMatchObject({ scanned: count, created: count, linked: count, conflicts: 0 })
    expect(progress).toEqual([100, 200, count, count])
    expect(new Set(emulator.users().map((u) => u.external_id)).size).toBe(count)
    const lookups = emulator
      .requests()
      .filter((r) => r.method === 'GET')
      .map((r) => new URL(r.url, 'http://emulator').searchParams.getAll('external_id').length)
      .filter((n) => n > 0)
    expect(Math.max(...lookups)).toBeLessThanOrEqual(100)
    expect(emulator.requests().some((r) => r.status === 429)).toBe(true)
  })

  it('stops at a chunk boundary when aborted, and the next run finishes the rest', async () => {
    const { emulator, clerk } = await setup()
    const count = 150
    const source = new AppUsers(Array.from({ length: count }, (_, i) => legacyUser(String(i))))
    const controller = new AbortController()
    const first = await importLegacyUsers({
      clerk,
      source,
      apply: true,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    })
    expect(first).toMatchObject({ aborted: true, scanned: 100, created: 100 })
    const second = await importLegacyUsers({ clerk, source, apply: true })
    expect(second).toMatchObject({ aborted: false, scanned: 50, created: 50 })
    expect(emulator.users()).toHaveLength(count)
    expect(source.rows.every((r) => r.clerkId !== null)).toBe(true)
  })

  it('when a user fails run-wide, starts no new creation but links and reports those in flight before it throws', async () => {
    const { emulator } = await setup()
    const proxy = await holdingProxy(emulator.apiUrl)
    const clerk = createClerkClient({
      apiUrl: proxy.apiUrl,
      secretKey: emulator.secretKey,
      telemetry: { disabled: true },
    })
    const count = 12
    const source = new AppUsers(Array.from({ length: count }, (_, i) => legacyUser(String(i))))
    // The first link fails (as a lost database connection would) while other creations are held.
    let failedAppId: string | undefined
    const linkRow = source.link.bind(source)
    source.link = async (appId, clerkId) => {
      if (failedAppId !== undefined) return linkRow(appId, clerkId)
      failedAppId = appId
      await proxy.holding()
      proxy.release()
      throw new Error('Connection terminated unexpectedly')
    }
    const reported: LegacyImportItem[] = []
    try {
      await expect(
        importLegacyUsers({ clerk, source, apply: true, onItem: (item) => reported.push(item) }),
      ).rejects.toMatchObject({ code: 'STORE_FAILED' })
      // What reached Clerk after the throw would be a user the caller never hears of.
      await proxy.drained()
    } finally {
      await proxy.close()
    }

    const createdInClerk = emulator.users().filter((u) => u.external_id !== failedAppId)
    expect(createdInClerk.length).toBeGreaterThan(0)
    expect(emulator.users().length).toBeLessThan(count)
    expect(reported.map((item) => item.appId).sort()).toEqual(
      createdInClerk.map((u) => u.external_id).sort(),
    )
    for (const user of createdInClerk) {
      const appId = user.external_id as string
      expect(reported.find((item) => item.appId === appId)).toEqual({
        appId,
        outcome: 'created',
        clerkId: user.id,
      })
      expect(source.clerkIdOf(appId)).toBe(user.id)
    }
  })

  it('refuses a client or a source that cannot work', async () => {
    const { clerk } = await setup()
    const source = new AppUsers([])
    await expect(importLegacyUsers({ clerk: {} as never, source })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    await expect(
      importLegacyUsers({ clerk, source: [] as unknown as LegacyUserSource }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
