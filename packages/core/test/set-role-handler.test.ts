import type { AddressInfo } from 'node:net'
import { createClerkClient } from '@clerk/backend'
import {
  createClerkSync,
  createRoleManager,
  createSetRoleHandler,
  MemoryStore,
  silentLogger,
} from '@clerk-sync/core'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFetchServer, type Routes } from '../../../examples/node-http/src/server.js'
import { captureLogger } from './helpers.js'

/**
 * The admin endpoint over real HTTP: an app server with the webhook route and the set-role route,
 * callers signed in with the emulator's session tokens checked by @clerk/backend's
 * authenticateRequest, and Clerk played by the emulator.
 */
describe('createSetRoleHandler over HTTP', () => {
  let clerk: ClerkEmulator
  let base: string
  let server: ReturnType<typeof createFetchServer>
  const routes: Routes = {}
  let store: MemoryStore
  let failApiWrites = false
  const ids: Record<string, string> = {}
  const log = captureLogger()

  beforeAll(async () => {
    store = new MemoryStore({
      beforeCommit({ eventId }) {
        // Role-manager writes carry no event id; webhook deliveries do.
        if (failApiWrites && eventId === null) throw new Error('disk full')
      },
    })
    server = createFetchServer(routes)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    clerk = await startClerkEmulator({ webhookUrl: `${base}/api/webhooks`, timeScale: 1e-4 })
    const sync = createClerkSync({
      signingSecret: clerk.signingSecret,
      store,
      logger: silentLogger,
    })
    const api = createClerkClient({
      apiUrl: clerk.apiUrl,
      secretKey: clerk.secretKey,
      telemetry: { disabled: true },
    })
    const auth = createClerkClient({
      secretKey: clerk.secretKey,
      publishableKey: clerk.publishableKey,
      jwtKey: clerk.jwtKey,
      telemetry: { disabled: true },
    })
    const authenticate = async (request: Request) => {
      const state = await auth.authenticateRequest(request)
      return state.isSignedIn ? state.toAuth().userId : null
    }
    routes['/api/webhooks'] = (request) => sync.handleWebhook(request)
    routes['/api/admin/set-role'] = createSetRoleHandler({
      roleManager: createRoleManager({ clerk: api, sync }),
      authenticate,
      logger: log.logger,
    })
    // The same endpoint with Clerk unreachable.
    const unreachable = createClerkClient({
      apiUrl: 'http://127.0.0.1:9',
      secretKey: clerk.secretKey,
    })
    routes['/api/admin/set-role-offline'] = createSetRoleHandler({
      roleManager: createRoleManager({ clerk: unreachable, sync }),
      authenticate,
      logger: log.logger,
    })
    for (const [name, role] of [
      ['admin', 'admin'],
      ['admin2', 'admin'],
      ['trainer', 'trainer'],
      ['target', 'client'],
    ] as const) {
      ids[name] = (
        await api.users.createUser({
          emailAddress: [`${name}@example.com`],
          firstName: name,
          lastName: 'Test',
          publicMetadata: { role, plan: 'pro' },
        })
      ).id
    }
    await clerk.flush()
  })
  afterAll(async () => {
    await clerk?.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const post = (
    body: unknown,
    options: { as?: string; contentType?: string; raw?: string; method?: string } = {},
  ) =>
    fetch(`${base}/api/admin/set-role`, {
      method: options.method ?? 'POST',
      headers: {
        ...(options.as ? { authorization: `Bearer ${clerk.sessionToken(ids[options.as]!)}` } : {}),
        'content-type': options.contentType ?? 'application/json',
      },
      body: options.method === 'GET' ? undefined : (options.raw ?? JSON.stringify(body)),
    })

  it('runs the full loop: endpoint → Clerk metadata → user.updated → store, one audit entry', async () => {
    const response = await post({ targetUserId: ids.target, role: 'trainer' }, { as: 'admin' })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      success: true,
      message: 'User role updated to trainer',
      user: {
        id: ids.target,
        email: 'target@example.com',
        firstName: 'target',
        lastName: 'Test',
        role: 'trainer',
      },
    })
    expect((await store.getUser(ids.target!))?.role).toBe('trainer')
    expect(clerk.user(ids.target!)?.public_metadata).toEqual({ role: 'trainer', plan: 'pro' })
    await clerk.flush()
    const updated = clerk.deliveries().filter((d) => d.eventType === 'user.updated')
    expect(updated.length).toBeGreaterThanOrEqual(1)
    expect(updated.every((d) => d.status === 200)).toBe(true)
    const audit = await store.listAuditEntries({ userId: ids.target })
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: ids.admin,
        fromRole: 'client',
        toRole: 'trainer',
        source: 'api',
      }),
    ])
  })

  it.each([
    [
      '405 for GET',
      () => post(undefined, { as: 'admin', method: 'GET' }),
      405,
      'method_not_allowed',
    ],
    [
      '415 for text/plain (the CSRF guard)',
      () => post({ targetUserId: 'x', role: 'admin' }, { as: 'admin', contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
    ],
    [
      '413 over the body cap',
      () => post({ targetUserId: 'x'.repeat(5000), role: 'admin' }, { as: 'admin' }),
      413,
      'body_too_large',
    ],
    [
      '401 without a session',
      () => post({ targetUserId: 'x', role: 'admin' }),
      401,
      'unauthenticated',
    ],
    [
      '400 for invalid JSON',
      () => post(undefined, { as: 'admin', raw: '{"targetUserId":' }),
      400,
      'invalid_json',
    ],
    [
      '403 for a caller who is not an admin',
      () => post({ targetUserId: ids.target, role: 'admin' }, { as: 'trainer' }),
      403,
      'forbidden',
    ],
    [
      '403 for changing one’s own role',
      () => post({ targetUserId: ids.admin, role: 'client' }, { as: 'admin' }),
      403,
      'forbidden',
    ],
    [
      '404 for an unknown target',
      () => post({ targetUserId: 'user_nobody', role: 'client' }, { as: 'admin' }),
      404,
      'user_not_found',
    ],
  ])('answers %s', async (_, send, status, code) => {
    const response = await send()
    expect(response.status).toBe(status)
    const body = await response.json()
    expect(body).toEqual({
      success: false,
      error: expect.objectContaining({ code, message: expect.any(String) }),
    })
  })

  it('answers 502 when Clerk cannot be reached, having changed nothing', async () => {
    const before = clerk.user(ids.target!)?.public_metadata
    const response = await fetch(`${base}/api/admin/set-role-offline`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${clerk.sessionToken(ids.admin!)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ targetUserId: ids.target, role: 'admin' }),
    })
    expect(response.status).toBe(502)
    expect((await response.json()).error.code).toBe('clerk_failed')
    expect(clerk.user(ids.target!)?.public_metadata).toEqual(before)
  })

  it('answers 400 with field errors for unknown fields and a role outside the roles', async () => {
    const response = await post(
      { targetUserId: ids.target, role: 'owner', extra: 1 },
      { as: 'admin' },
    )
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.error.code).toBe('invalid_request')
    expect(Object.keys(body.error.fields).sort()).toEqual(['extra', 'role'])
  })

  it('judges the caller by Clerk now, not by a session claim or the local copy', async () => {
    // Demoted in Clerk directly (say, in the Dashboard); no webhook has reached the store yet.
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    await api.users.updateUserMetadata(ids.admin2!, { publicMetadata: { role: 'client' } })
    expect((await store.getUser(ids.admin2!))?.role).toBe('admin')
    const token = clerk.sessionToken(ids.admin2!, { metadata: { role: 'admin' } })
    const response = await fetch(`${base}/api/admin/set-role`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ targetUserId: ids.trainer, role: 'admin' }),
    })
    expect(response.status).toBe(403)
    await clerk.flush()
  })

  it('answers 500 store_failed when Clerk changed but the local write failed, and the webhook converges', async () => {
    failApiWrites = true
    try {
      const response = await post({ targetUserId: ids.trainer, role: 'client' }, { as: 'admin' })
      expect(response.status).toBe(500)
      const text = await response.text()
      expect(JSON.parse(text).error).toMatchObject({
        code: 'store_failed',
        message: expect.stringMatching(/Clerk has the new role/),
      })
      // The cause goes to the log, never into the answer.
      expect(text).not.toContain('disk full')
      expect(log.text()).toContain('disk full')
      expect(clerk.user(ids.trainer!)?.public_metadata.role).toBe('client')
    } finally {
      failApiWrites = false
    }
    await clerk.flush()
    expect((await store.getUser(ids.trainer!))?.role).toBe('client')
  })
})
