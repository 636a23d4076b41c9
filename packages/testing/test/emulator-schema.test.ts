import { existsSync, readFileSync } from 'node:fs'
import { createClerkClient } from '@clerk/backend'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { describe, expect, it } from 'vitest'
import {
  extractFromSharedSpec,
  OPERATIONS,
  sharedSpecPath,
  vendoredPath,
} from './emulator-support/bapi-schemas.mjs'
import {
  createResponseValidator,
  loadBapiSchemas,
  toJsonSchema,
} from './emulator-support/openapi-validator.js'

/** `/v1/users/user_x/metadata?limit=1` → `users/{user_id}/metadata`, as bapi.yml names paths. */
function operationOf(method: string, url: string): string {
  const path = new URL(url, 'http://x').pathname.replace(/^\/v1/, '')
  const templated = path.replace(/^\/users\/(?!count$)[^/]+/, '/users/{user_id}')
  return `${method} ${templated}`
}

const swallow = (call: Promise<unknown>) => call.catch(() => undefined)

describe('the emulator’s answers conform to bapi.yml 2026-05-12', () => {
  it('turns OpenAPI nullable into JSON Schema null, also beside oneOf and $ref', () => {
    expect(toJsonSchema({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] })
    expect(toJsonSchema({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    })
    expect(toJsonSchema({ nullable: true, allOf: [{ $ref: '#/components/schemas/X' }] })).toEqual({
      anyOf: [{ type: 'null' }, { allOf: [{ $ref: 'bapi#/components/schemas/X' }] }],
    })
  })

  it('checks the validator catches what it must (a missing field, a wrong type, a stray field)', async () => {
    const { schemas } = await loadBapiSchemas()
    const validator = createResponseValidator(schemas)
    const clerk = await startClerkEmulator()
    const [user] = clerk.seedUsers([{}])
    expect(validator.check('GET /users/{user_id}', 200, user)).toEqual([])
    const { banned: _, ...missing } = user!
    expect(validator.check('GET /users/{user_id}', 200, missing).join()).toMatch(/banned/)
    expect(
      validator.check('GET /users/{user_id}', 200, { ...user, created_at: '2024' }).join(),
    ).toMatch(/created_at/)
    expect(validator.check('GET /users/{user_id}', 200, { ...user, stray: 1 }).join()).toMatch(
      /additional/,
    )
    expect(validator.check('GET /users', 200, user).join()).toMatch(/array/)
    expect(
      validator.check('GET /users/{user_id}', 404, { errors: [{ message: 'x' }] }).join(),
    ).toMatch(/code/)
    await clerk.close()
  })

  it('for every endpoint, success and error alike, called through @clerk/backend', async () => {
    const { schemas, from } = await loadBapiSchemas()
    const validator = createResponseValidator(schemas)
    const clerk = await startClerkEmulator({ rateLimit: { requests: 60, windowMs: 60_000 } })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const wrongKey = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: 'sk_test_nope' })

    // Successes, with users as varied as the emulator makes them.
    const full = await client.users.createUser({
      emailAddress: ['full@example.com', 'reserved@example.com'],
      emailAddressIdentificationStatus: ['verified', 'reserved'],
      phoneNumber: ['+15555550101'],
      username: 'fulluser',
      externalId: 'ext-1',
      firstName: 'Full',
      password: 'long enough password',
      totpSecret: 'AICJ3HCXKO4KOU6NDHKHSLLQBNQBOCBM',
      backupCodes: ['abc123'],
      publicMetadata: { role: 'admin', nested: { a: [1, { b: null }] } },
      createdAt: new Date('2024-01-02T03:04:05.678Z'),
      legalAcceptedAt: new Date('2024-01-02T03:04:05Z'),
      createOrganizationsLimit: 3,
    } as Parameters<typeof client.users.createUser>[0])
    const bare = await client.users.createUser({
      username: 'bareuser',
      skipPasswordRequirement: true,
    })
    await client.users.getUser(full.id)
    await client.users.getUserList({ limit: 500, orderBy: '-updated_at' })
    await client.users.getUserList({ userId: [full.id], emailAddress: ['full@example.com'] })
    await client.users.getCount({ query: 'full' })
    await client.users.updateUser(bare.id, { firstName: 'Bare', username: '' })
    await client.users.updateUserMetadata(full.id, { publicMetadata: { nested: null } })
    await client.users.replaceUserMetadata(full.id, { privateMetadata: {} })
    await client.users.deleteUser(bare.id)
    await client.jwks.getJwks()

    // Errors: 400, 401, 404, 422, 415, 429.
    await swallow(wrongKey.users.getUserList())
    await swallow(wrongKey.users.getUser(full.id))
    await swallow(wrongKey.users.createUser({ emailAddress: ['x@example.com'] }))
    await swallow(wrongKey.users.updateUser(full.id, { firstName: 'x' }))
    await swallow(wrongKey.users.updateUserMetadata(full.id, { publicMetadata: {} }))
    await swallow(wrongKey.users.replaceUserMetadata(full.id, { publicMetadata: {} }))
    await swallow(wrongKey.users.deleteUser(full.id))
    for (const id of ['user_missing']) {
      await swallow(client.users.getUser(id))
      await swallow(client.users.updateUser(id, { firstName: 'x' }))
      await swallow(client.users.updateUserMetadata(id, { publicMetadata: {} }))
      await swallow(client.users.replaceUserMetadata(id, { publicMetadata: {} }))
      await swallow(client.users.deleteUser(id))
    }
    await swallow(client.users.createUser({ emailAddress: ['bad'] }))
    await swallow(client.users.getUserList({ limit: 501 }))
    await swallow(client.users.updateUser(full.id, { primaryEmailAddressID: 'idn_nope' }))
    await swallow(
      client.users.updateUserMetadata(full.id, { publicMetadata: { big: 'x'.repeat(9000) } }),
    )
    await swallow(
      client.users.replaceUserMetadata(full.id, { unsafeMetadata: { big: 'x'.repeat(9000) } }),
    )
    const raw = (method: string, path: string, body: string, type = 'application/json') =>
      fetch(`${clerk.apiUrl}/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${clerk.secretKey}`, 'content-type': type },
        body,
      })
    await fetch(`${clerk.apiUrl}/v1/users/count?banned=maybe`, {
      headers: { authorization: `Bearer ${clerk.secretKey}` },
    })
    await raw('POST', '/users', '{not json')
    await raw('POST', '/users', 'email_address=x', 'application/x-www-form-urlencoded')
    await raw('PATCH', `/users/${full.id}`, JSON.stringify({ first_name: 42 }))
    const limited = await startClerkEmulator({ rateLimit: { requests: 1, windowMs: 60_000 } })
    const limitedClient = createClerkClient({
      apiUrl: limited.apiUrl,
      secretKey: limited.secretKey,
    })
    await limitedClient.users.getCount()
    await swallow(limitedClient.users.getUserList())

    const answered = [...clerk.requests(), ...limited.requests()]
    const problems: string[] = []
    const seen = new Set<string>()
    for (const request of answered) {
      const operation = operationOf(request.method, request.url)
      seen.add(`${operation} ${request.status}`)
      const errors = validator.check(operation, request.status, JSON.parse(request.responseBody))
      if (errors.length) problems.push(`${operation} → ${request.status}: ${errors.join('; ')}`)
    }
    expect(problems, `checked against ${from}`).toEqual([])
    // Every operation was seen succeeding and failing.
    for (const operation of OPERATIONS) {
      if (operation === 'GET /jwks') continue
      expect(
        [...seen].filter((s) => s.startsWith(`${operation} 2`)),
        operation,
      ).not.toEqual([])
      expect(
        [...seen].filter((s) => s.startsWith(`${operation} 4`)),
        operation,
      ).not.toEqual([])
    }
    expect(seen).toContain('GET /users 422')
    for (const status of [400, 401, 404, 415, 422, 429]) {
      expect(
        [...seen].some((s) => s.endsWith(` ${status}`)),
        String(status),
      ).toBe(true)
    }
    await clerk.close()
    await limited.close()
  })

  it('sends webhook data that is Clerk’s User (created, updated) and a DeletedObject (deleted)', async () => {
    const { schemas } = await loadBapiSchemas()
    const validator = createResponseValidator(schemas)
    const clerk = await startClerkEmulator()
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const user = await client.users.createUser({
      emailAddress: ['hook@example.com'],
      externalId: 'ext-hook',
    })
    await client.users.updateUserMetadata(user.id, { publicMetadata: { role: 'trainer' } })
    await client.users.deleteUser(user.id)
    const events = clerk.events()
    expect(events.map((e) => e.type)).toEqual(['user.created', 'user.updated', 'user.deleted'])
    expect(validator.checkComponent('User', events[0]!.payload.data)).toEqual([])
    expect(validator.checkComponent('User', events[1]!.payload.data)).toEqual([])
    expect(validator.checkComponent('DeletedObject', events[2]!.payload.data)).toEqual([])
    expect(events[2]!.payload.data).toEqual({
      object: 'user',
      id: user.id,
      deleted: true,
      external_id: 'ext-hook',
    })
    await clerk.close()
  })

  it('validates with the vendored extract alone, as in a clone without ../shared', async () => {
    const validator = createResponseValidator(JSON.parse(readFileSync(vendoredPath, 'utf8')))
    const clerk = await startClerkEmulator()
    const [user] = clerk.seedUsers([{ phones: ['+15555550199'], role: 'admin' }])
    expect(validator.check('GET /users/{user_id}', 200, user)).toEqual([])
    expect(validator.check('GET /users', 200, clerk.users())).toEqual([])
    await clerk.close()
  })

  it.skipIf(!existsSync(sharedSpecPath))(
    'keeps the vendored extract in step with bapi.yml',
    async () => {
      const vendored = JSON.parse(readFileSync(vendoredPath, 'utf8'))
      expect(vendored).toEqual(await extractFromSharedSpec())
    },
  )
})
