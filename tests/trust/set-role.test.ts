import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager, MemoryStore } from '@clerk-sync/core'
import { setRoleHandler } from '@clerk-sync/next'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../test-support/capture-logger.js'
import { setRoleCases } from '../../test-support/trust/catalogue.js'
import { storeState } from '../../test-support/trust/store-state.js'

/**
 * The set-role part of the catalogue: the App Router route, its caller taken from real session
 * tokens the emulator issues and @clerk/backend verifies (authenticateRequest, networkless with
 * jwtKey), every role read from the emulator's Clerk. Each refusal leaves Clerk and the store as
 * they were.
 */
const ORIGIN = 'https://app.example.com'
const { logger } = captureLogger()

async function world() {
  const clerk = await startClerkEmulator()
  const api = createClerkClient({
    apiUrl: clerk.apiUrl,
    secretKey: clerk.secretKey,
    telemetry: { disabled: true },
  })
  const verifier = createClerkClient({
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    jwtKey: clerk.jwtKey,
    telemetry: { disabled: true },
  })
  const store = new MemoryStore()
  const sync = createClerkSync({ signingSecret: generateSigningSecret(), store, logger })
  const POST = setRoleHandler(createRoleManager({ clerk: api, sync }), {
    authenticate: async (request) =>
      (await verifier.authenticateRequest(request, { authorizedParties: [ORIGIN] })).toAuth()
        ?.userId ?? null,
    logger,
  })
  let n = 0
  const user = async (role?: string) =>
    (
      await api.users.createUser({
        emailAddress: [`u${++n}@example.com`],
        ...(role ? { publicMetadata: { role } } : {}),
      })
    ).id
  const call = (token: string | undefined, body: unknown, type = 'application/json') =>
    POST(
      new Request(`${ORIGIN}/api/admin/set-role`, {
        method: 'POST',
        headers: {
          'content-type': type,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    )
  // authorizedParties set: every token must name the app's origin (azp), as a browser's does.
  const token = (
    userId: string,
    claims: Record<string, unknown> = {},
    options?: Parameters<ClerkEmulator['sessionToken']>[2],
  ) => clerk.sessionToken(userId, { azp: ORIGIN, ...claims }, options)
  return { clerk, api, store, user, call, token }
}

type World = Awaited<ReturnType<typeof world>>
const worlds: ClerkEmulator[] = []
afterAll(async () => {
  for (const clerk of worlds) await clerk.close()
})
let shared: World | undefined
async function sharedWorld(): Promise<World> {
  if (!shared) {
    shared = await world()
    worlds.push(shared.clerk)
  }
  return shared
}

/** Each case: the calls it makes (with the users it needs) and the Clerk state it must leave. */
const scenarios: Record<string, (w: World) => Promise<{ responses: Response[]; after(): void }>> = {
  async 'no session token'(w) {
    const target = await w.user()
    return one(w, target, await w.call(undefined, { targetUserId: target, role: 'trainer' }))
  },
  async 'an expired session token'(w) {
    return withToken(w, (admin) => w.token(admin, {}, { state: 'expired' }))
  },
  async 'a session token not yet valid'(w) {
    return withToken(w, (admin) => w.token(admin, {}, { state: 'not-yet-valid' }))
  },
  async 'a session token signed with another key'(w) {
    return withToken(w, (admin) => w.token(admin, {}, { state: 'wrong-key' }))
  },
  async 'a non-admin caller'(w) {
    const member = await w.user('client')
    return withToken(w, () => w.token(member))
  },
  async 'an admin demoted a moment ago, token still claiming admin'(w) {
    const admin = await w.user('admin')
    const token = w.token(admin, { metadata: { role: 'admin' } })
    await w.api.users.updateUserMetadata(admin, { publicMetadata: { role: 'client' } })
    return withToken(w, () => token)
  },
  async 'an admin changing their own role'(w) {
    const admin = await w.user('admin')
    const response = await w.call(w.token(admin), {
      targetUserId: admin,
      role: 'client',
    })
    return one(w, admin, response, 'admin')
  },
  async 'two admins demoting each other at once: one admin remains'() {
    // Its own Clerk, where these two are the only admins.
    const w = await world()
    worlds.push(w.clerk)
    const [a, b] = [await w.user('admin'), await w.user('admin')]
    const responses = await Promise.all([
      w.call(w.token(a), { targetUserId: b, role: 'client' }),
      w.call(w.token(b), { targetUserId: a, role: 'client' }),
    ])
    return {
      responses,
      after() {
        const admins = [a, b].filter((id) => w.clerk.user(id)?.public_metadata.role === 'admin')
        expect(admins).toHaveLength(1)
        expect(responses.map((r) => r.status)).toContain(200)
      },
    }
  },
  async 'a role outside the list'(w) {
    return withToken(w, (admin) => w.token(admin), 'owner')
  },
  async 'unknown fields in the body'(w) {
    const admin = await w.user('admin')
    const target = await w.user()
    const response = await w.call(w.token(admin), {
      targetUserId: target,
      role: 'trainer',
      actor: 'someone-else',
    })
    return one(w, target, response)
  },
  async 'an unknown target user'(w) {
    const admin = await w.user('admin')
    const response = await w.call(w.token(admin), {
      targetUserId: 'user_2zzzzzzzzzzzzzzzzzzzzzzzzzz',
      role: 'trainer',
    })
    return one(w, admin, response, 'admin')
  },
  async 'a text/plain body (the CSRF guard)'(w) {
    const admin = await w.user('admin')
    const target = await w.user()
    const body = JSON.stringify({ targetUserId: target, role: 'trainer' })
    return one(w, target, await w.call(w.token(admin), body, 'text/plain'))
  },
  async 'a body that is not JSON'(w) {
    const admin = await w.user('admin')
    const target = await w.user()
    return one(w, target, await w.call(w.token(admin), '{"targetUserId":'))
  },
}

/** An admin (as the token's subject) asks to give a fresh target `role`. */
async function withToken(w: World, token: (admin: string) => string, role = 'trainer') {
  const admin = await w.user('admin')
  const target = await w.user()
  return one(w, target, await w.call(token(admin), { targetUserId: target, role }))
}

function one(w: World, target: string, response: Response, roleBefore?: string) {
  return {
    responses: [response],
    after() {
      expect(w.clerk.user(target)?.public_metadata.role).toBe(roleBefore)
    },
  }
}

describe('set-role catalogue (App Router route, emulator session tokens, @clerk/backend)', () => {
  it('has a scenario for every catalogue case', () => {
    expect(Object.keys(scenarios).sort()).toEqual(setRoleCases.map((c) => c.name).sort())
  })

  for (const testCase of setRoleCases) {
    it(`[set-role] ${testCase.name}`, async () => {
      const w = await sharedWorld()
      const before = storeState(w.store)
      const scenario = scenarios[testCase.name]
      if (!scenario) throw new Error(`no scenario for ${testCase.name}`)
      const { responses, after } = await scenario(w)
      const refusals = responses.filter((r) => r.status !== 200)
      expect(refusals).toHaveLength(1)
      const refusal = refusals[0] as Response
      expect(testCase.expect.status).toContain(refusal.status)
      const answer = (await refusal.json()) as { success: boolean; error: { code: string } }
      expect(answer.success).toBe(false)
      expect(testCase.expect.code).toContain(answer.error.code)
      after()
      if (testCase.expect.store === 'unchanged') expect(storeState(w.store)).toBe(before)
    })
  }
})
