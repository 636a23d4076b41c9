import { createClerkClient } from '@clerk/backend'
import { type ClerkAPIResponseError, isClerkAPIResponseError } from '@clerk/backend/errors'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** The ClerkAPIResponseError a call rejects with (the real client's error type). */
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

describe('the emulator’s Users API through the real @clerk/backend client', () => {
  let clerk: ClerkEmulator
  let client: ReturnType<typeof createClerkClient>

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
  })
  afterAll(() => clerk.close())

  it('creates a user (200) and reads it back as Clerk’s User', async () => {
    const created = await client.users.createUser({
      emailAddress: ['grace@example.com', 'g.hopper@example.com'],
      phoneNumber: ['+15555550100'],
      firstName: 'Grace',
      lastName: 'Hopper',
      username: 'ghopper',
      externalId: 'ext-grace',
      password: 'correct horse battery',
      publicMetadata: { role: 'admin' },
      privateMetadata: { plan: 'pro' },
    })
    expect(created.id).toMatch(/^user_/)
    expect(created.emailAddresses.map((e) => e.emailAddress)).toEqual([
      'grace@example.com',
      'g.hopper@example.com',
    ])
    expect(created.primaryEmailAddressId).toBe(created.emailAddresses[0]!.id)
    expect(created.primaryPhoneNumberId).toBe(created.phoneNumbers[0]!.id)
    expect(created.emailAddresses[0]!.verification?.status).toBe('verified')
    expect(created.passwordEnabled).toBe(true)
    expect(created.externalId).toBe('ext-grace')
    expect(created.publicMetadata).toEqual({ role: 'admin' })
    expect(created.privateMetadata).toEqual({ plan: 'pro' })
    const fetched = await client.users.getUser(created.id)
    expect(fetched.raw).toEqual(created.raw)
    expect(clerk.user(created.id)).toEqual(created.raw)
  })

  it('lists users as a bare array, newest first, with limit, offset, order_by and filters', async () => {
    const fresh = await startClerkEmulator()
    const c = createClerkClient({ apiUrl: fresh.apiUrl, secretKey: fresh.secretKey })
    const ids: string[] = []
    for (let i = 0; i < 12; i++) {
      ids.push((await c.users.createUser({ emailAddress: [`u${i}@example.com`] })).id)
    }
    // Update the oldest last, so updated_at orders differently from created_at.
    await c.users.updateUser(ids[0]!, { firstName: 'Touched' })

    const page = await c.users.getUserList()
    expect(page.totalCount).toBe(12)
    expect(page.data.map((u) => u.id)).toEqual([...ids].reverse().slice(0, 10)) // default limit 10
    const asc = await c.users.getUserList({ orderBy: '+created_at', limit: 5, offset: 5 })
    expect(asc.data.map((u) => u.id)).toEqual(ids.slice(5, 10))
    const byUpdate = await c.users.getUserList({ orderBy: '-updated_at', limit: 1 })
    expect(byUpdate.data[0]!.id).toBe(ids[0])
    const byUpdateAsc = await c.users.getUserList({ orderBy: 'updated_at', limit: 500 })
    expect(byUpdateAsc.data.at(-1)!.id).toBe(ids[0])

    const byEmail = await c.users.getUserList({
      emailAddress: ['u3@example.com', 'U4@example.com'],
    })
    expect(byEmail.data.map((u) => u.id).sort()).toEqual([ids[3], ids[4]].sort())
    expect(byEmail.totalCount).toBe(2)
    const byId = await c.users.getUserList({ userId: [ids[1]!, ids[2]!, 'user_missing'] })
    expect(byId.data.map((u) => u.id).sort()).toEqual([ids[1], ids[2]].sort())
    const excluded = await c.users.getUserList({ userId: [`-${ids[1]}`], limit: 500 })
    expect(excluded.data.map((u) => u.id)).not.toContain(ids[1])
    expect(excluded.totalCount).toBe(11)
    expect(await c.users.getCount({ emailAddress: ['u7@example.com'] })).toBe(1)
    expect(await c.users.getCount()).toBe(12)

    // The wire format really is a bare array (the client hides it behind { data, totalCount }).
    const raw = await fetch(`${fresh.apiUrl}/v1/users?limit=2`, {
      headers: { authorization: `Bearer ${fresh.secretKey}` },
    })
    expect(raw.headers.get('content-type')).toBe('application/json')
    const body = await raw.json()
    expect(Array.isArray(body)).toBe(true)
    expect(body).toHaveLength(2)
    await fresh.close()
  })

  it('pages with the starting_after cursor, and refuses it with another order or an offset', async () => {
    const fresh = await startClerkEmulator()
    const c = createClerkClient({ apiUrl: fresh.apiUrl, secretKey: fresh.secretKey })
    for (let i = 0; i < 7; i++) await c.users.createUser({ emailAddress: [`p${i}@example.com`] })
    const get = (query: string) =>
      fetch(`${fresh.apiUrl}/v1/users?${query}`, {
        headers: { authorization: `Bearer ${fresh.secretKey}` },
      })
    const seen: string[] = []
    let cursor = ''
    for (;;) {
      const page = (await (await get(`limit=3${cursor}`)).json()) as Array<{ id: string }>
      seen.push(...page.map((u) => u.id))
      if (page.length < 3) break
      cursor = `&starting_after=${page.at(-1)!.id}`
    }
    expect(seen).toEqual(
      fresh
        .users()
        .map((u) => u.id)
        .reverse(),
    )
    expect((await get(`order_by=username&starting_after=${seen[0]}`)).status).toBe(422)
    expect((await get(`offset=1&starting_after=${seen[0]}`)).status).toBe(422)
    await fresh.close()
  })

  it('updates a user without metadata, bumping updated_at', async () => {
    const user = await client.users.createUser({ emailAddress: ['update@example.com'] })
    const updated = await client.users.updateUser(user.id, {
      firstName: 'New',
      lastName: 'Name',
      username: 'newname',
    })
    expect(updated.firstName).toBe('New')
    expect(updated.username).toBe('newname')
    expect(updated.updatedAt).toBeGreaterThan(user.updatedAt)
    const cleared = await client.users.updateUser(user.id, { username: '' })
    expect(cleared.username).toBeNull()
  })

  it('moves the primary email to another verified address of the user, never a reserved one', async () => {
    const user = await client.users.createUser({
      emailAddress: ['first@example.com', 'second@example.com', 'held@example.com'],
      emailAddressIdentificationStatus: ['verified', 'verified', 'reserved'],
    })
    const [, second, held] = user.emailAddresses
    expect(held!.verification).toBeNull()
    const moved = await client.users.updateUser(user.id, { primaryEmailAddressID: second!.id })
    expect(moved.primaryEmailAddress?.emailAddress).toBe('second@example.com')
    const error = await apiError(
      client.users.updateUser(user.id, { primaryEmailAddressID: held!.id }),
    )
    expect(error.status).toBe(422)
    expect(error.errors[0]!.meta?.paramName).toBe('primary_email_address_id')
  })

  it('deep-merges metadata on PATCH …/metadata, null removing a key at any depth', async () => {
    const user = await client.users.createUser({
      emailAddress: ['merge@example.com'],
      publicMetadata: { role: 'client', prefs: { theme: 'dark', lang: 'en' }, drop: 1 },
    })
    const merged = await client.users.updateUserMetadata(user.id, {
      publicMetadata: { prefs: { lang: null, tz: 'UTC' }, drop: null, added: [1, 2] },
      unsafeMetadata: { seen: true },
    })
    expect(merged.publicMetadata).toEqual({
      role: 'client',
      prefs: { theme: 'dark', tz: 'UTC' },
      added: [1, 2],
    })
    expect(merged.unsafeMetadata).toEqual({ seen: true })
    // PUT replaces whole fields and leaves the others alone.
    const replaced = await client.users.replaceUserMetadata(user.id, {
      publicMetadata: { role: 'admin' },
    })
    expect(replaced.publicMetadata).toEqual({ role: 'admin' })
    expect(replaced.unsafeMetadata).toEqual({ seen: true })
  })

  it('rejects metadata on PATCH /users/{id} in 2026-05-12 but not for older API versions', async () => {
    const user = await client.users.createUser({ emailAddress: ['legacy@example.com'] })
    const patch = (version: string) =>
      fetch(`${clerk.apiUrl}/v1/users/${user.id}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${clerk.secretKey}`,
          'content-type': 'application/json',
          'clerk-api-version': version,
        },
        body: JSON.stringify({ public_metadata: { role: 'admin' } }),
      })
    const rejected = await patch('2026-05-12')
    expect(rejected.status).toBe(422)
    expect((await rejected.json()).errors[0]).toMatchObject({
      code: 'form_param_unknown',
      meta: { param_name: 'public_metadata' },
    })
    const legacy = await patch('2025-11-10')
    expect(legacy.status).toBe(200)
    expect((await legacy.json()).public_metadata).toEqual({ role: 'admin' })
    const bogus = await patch('1999-01-01')
    expect(bogus.status).toBe(400)
    expect((await bogus.json()).errors[0].code).toBe('api_version_invalid')
  })

  it('deletes a user (DeletedObject), then answers 404 resource_not_found with a trace id', async () => {
    const user = await client.users.createUser({ emailAddress: ['gone@example.com'] })
    const deleted = await client.users.deleteUser(user.id)
    expect(deleted).toMatchObject({ object: 'user', id: user.id, deleted: true })
    for (const call of [client.users.getUser(user.id), client.users.deleteUser(user.id)]) {
      const error = await apiError(call)
      expect(error.status).toBe(404)
      expect(error.errors[0]!.code).toBe('resource_not_found')
      expect(error.clerkTraceId).toMatch(/^[0-9a-f]{32}$/)
    }
    expect(clerk.user(user.id)).toBeUndefined()
  })

  it('answers 401 ClerkErrors to a wrong key and to a missing Authorization header', async () => {
    const wrong = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: 'sk_test_wrong' })
    const error = await apiError(wrong.users.getUserList())
    expect(error.status).toBe(401)
    expect(error.errors[0]!.code).toBe('clerk_key_invalid')
    const missing = await fetch(`${clerk.apiUrl}/v1/users`)
    expect(missing.status).toBe(401)
    const body = await missing.json()
    expect(body.errors[0].code).toBe('authorization_header_format_invalid')
    expect(body.clerk_trace_id).toMatch(/^[0-9a-f]{32}$/)
  })

  it('answers 422 form_param_* to invalid parameters', async () => {
    const codes = async (call: Promise<unknown>) => {
      const error = await apiError(call)
      expect(error.status).toBe(422)
      return { code: error.errors[0]!.code, param: error.errors[0]!.meta?.paramName }
    }
    expect(await codes(client.users.createUser({ emailAddress: ['not-an-email'] }))).toEqual({
      code: 'form_param_format_invalid',
      param: 'email_address',
    })
    expect(await codes(client.users.createUser({ phoneNumber: ['555-0100'] }))).toMatchObject({
      code: 'form_param_format_invalid',
    })
    await client.users.createUser({ emailAddress: ['taken@example.com'] })
    expect(await codes(client.users.createUser({ emailAddress: ['TAKEN@example.com'] }))).toEqual({
      code: 'form_identifier_exists',
      param: 'email_address',
    })
    expect(await codes(client.users.createUser({ firstName: 'NoIdentifier' }))).toMatchObject({
      code: 'form_data_missing',
    })
    expect(await codes(client.users.getUserList({ limit: 501 }))).toEqual({
      code: 'form_param_value_invalid',
      param: 'limit',
    })
    expect(
      await codes(client.users.getUserList({ orderBy: '-favourite_colour' as '-created_at' })),
    ).toEqual({ code: 'form_param_value_invalid', param: 'order_by' })
    const unknown = await fetch(`${clerk.apiUrl}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clerk.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email_address: ['x@example.com'], favourite_colour: 'blue' }),
    })
    expect(unknown.status).toBe(422)
    expect((await unknown.json()).errors[0]).toMatchObject({
      code: 'form_param_unknown',
      long_message: 'favourite_colour is not a valid parameter for this request.',
    })
  })

  it('answers 429 with Retry-After past the rate limit, and lets a caller that waits back in', async () => {
    const limited = await startClerkEmulator({ rateLimit: { requests: 3, windowMs: 1000 } })
    const c = createClerkClient({ apiUrl: limited.apiUrl, secretKey: limited.secretKey })
    for (let i = 0; i < 3; i++) await c.users.getCount()
    const error = await apiError(c.users.getCount())
    expect(error.status).toBe(429)
    expect(error.errors[0]!.code).toBe('too_many_requests')
    expect(error.retryAfter).toBe(1)

    // A caller's back-off: wait what Retry-After says, then try again.
    const started = Date.now()
    let count: number | undefined
    for (let tries = 0; count === undefined && tries < 5; tries++) {
      try {
        count = await c.users.getCount()
      } catch (e) {
        const retryAfter = (e as ClerkAPIResponseError).retryAfter ?? 1
        await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
      }
    }
    expect(count).toBe(0)
    expect(Date.now() - started).toBeLessThan(3000)
    expect(limited.requests().filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(1)
    await limited.close()
  })

  it('counts the Clerk limit stated per 10 s as { requestsPer10s }', async () => {
    const limited = await startClerkEmulator({ rateLimit: { requestsPer10s: 2 } })
    const headers = { authorization: `Bearer ${limited.secretKey}` }
    const statuses: number[] = []
    const retryAfter: Array<string | null> = []
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${limited.apiUrl}/v1/users/count`, { headers })
      statuses.push(response.status)
      retryAfter.push(response.headers.get('retry-after'))
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(Number(retryAfter[2])).toBeGreaterThanOrEqual(9)
    expect(Number(retryAfter[2])).toBeLessThanOrEqual(10)
    // The JWKS endpoint is not rate limited at Clerk.
    expect((await fetch(`${limited.apiUrl}/v1/jwks`, { headers })).status).toBe(200)
    await limited.close()
  })

  it('seeds users that were in Clerk all along: readable, listed, and no webhook', async () => {
    const seeded = clerk.seedUsers([
      { emails: ['seed1@example.com'] },
      { emails: ['seed2@example.com'] },
    ])
    const listed = await client.users.getUserList({
      emailAddress: ['seed1@example.com', 'seed2@example.com'],
    })
    expect(listed.data.map((u) => u.id).sort()).toEqual(seeded.map((u) => u.id).sort())
    expect(
      clerk.events().some((e) => seeded.some((u) => JSON.stringify(e.payload).includes(u.id))),
    ).toBe(false)
  })
})
