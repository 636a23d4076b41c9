import { createClerkClient, verifyToken } from '@clerk/backend'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

describe('session tokens that @clerk/backend accepts offline', () => {
  let clerk: ClerkEmulator
  let userId: string
  let client: ReturnType<typeof createClerkClient>

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    userId = (await api.users.createUser({ emailAddress: ['token@example.com'] })).id
    // What an app configures: secret and publishable key, and the PEM for networkless checks.
    // A pk_test_ key makes @clerk/backend report telemetry to Clerk; tests stay on loopback.
    client = createClerkClient({
      secretKey: clerk.secretKey,
      publishableKey: clerk.publishableKey,
      jwtKey: clerk.jwtKey,
      telemetry: { disabled: true },
    })
  })
  afterAll(() => clerk.close())

  const authenticate = (token: string, options: { authorizedParties?: string[] } = {}) =>
    client.authenticateRequest(
      new Request('http://localhost:3000/api/me', {
        headers: { authorization: `Bearer ${token}` },
      }),
      options,
    )

  it('hands out keys of the right form: RSA-2048 SPKI PEM, pk_test_ naming the frontend API', () => {
    expect(clerk.jwtKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    // The fixed DER prefix @clerk/backend cuts off: only an RSA-2048, e=65537 key has it.
    expect(clerk.jwtKey.replace(/-----[^-]+-----|\n/g, '')).toMatch(
      /^MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA.+IDAQAB$/,
    )
    expect(clerk.publishableKey).toMatch(/^pk_test_[A-Za-z0-9+/]+$/)
    const decoded = Buffer.from(clerk.publishableKey.slice('pk_test_'.length), 'base64').toString()
    expect(decoded).toBe(`${clerk.frontendApi}$`)
    expect(clerk.frontendApiUrl).toBe(`http://${clerk.frontendApi}`)
    expect(clerk.signInUrl).toBe(`http://${clerk.frontendApi}/sign-in`)
  })

  it('signs a user in through authenticateRequest, with the token’s session id', async () => {
    const token = clerk.sessionToken(userId)
    const state = await authenticate(token)
    expect(state.status).toBe('signed-in')
    expect(state.isSignedIn).toBe(true)
    const auth = state.toAuth()
    expect(auth?.userId).toBe(userId)
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
    expect(auth?.sessionId).toBe(payload.sid)
    expect(payload).toMatchObject({ sub: userId, v: 2, iss: clerk.frontendApiUrl })
    expect(payload.exp - payload.iat).toBe(60)
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'RS256', kid: clerk.instanceId, typ: 'JWT' })
  })

  it('verifies with verifyToken and jwtKey alone, custom claims included', async () => {
    const token = clerk.sessionToken(userId, {
      azp: 'http://localhost:5173',
      o: { id: 'org_1', rol: 'admin' },
    })
    const payload = await verifyToken(token, { jwtKey: clerk.jwtKey })
    expect(payload).toMatchObject({
      sub: userId,
      azp: 'http://localhost:5173',
      o: { id: 'org_1', rol: 'admin' },
    })
    const allowed = await authenticate(token, { authorizedParties: ['http://localhost:5173'] })
    expect(allowed.isSignedIn).toBe(true)
    const refused = await authenticate(token, { authorizedParties: ['https://elsewhere.example'] })
    expect(refused.isSignedIn).toBe(false)
  })

  it('verifies through the emulator’s /v1/jwks when no jwtKey is given', async () => {
    const token = clerk.sessionToken(userId)
    const payload = await verifyToken(token, { secretKey: clerk.secretKey, apiUrl: clerk.apiUrl })
    expect(payload.sub).toBe(userId)
    expect(clerk.requests().some((r) => r.url === '/v1/jwks' && r.status === 200)).toBe(true)
  })

  it.each([
    ['expired', 'token-expired'],
    ['not-yet-valid', 'token-not-active-yet'],
    ['wrong-key', 'token-invalid-signature'],
  ] as const)('rejects a %s token (%s)', async (state, reason) => {
    const token = clerk.sessionToken(userId, {}, { state })
    const result = await authenticate(token)
    expect(result.isSignedIn).toBe(false)
    expect(result.status).toBe('signed-out')
    expect(result.message).toContain(`reason=${reason}`)
    await expect(verifyToken(token, { jwtKey: clerk.jwtKey })).rejects.toMatchObject({ reason })
  })

  it('refuses tokens for users Clerk does not have', () => {
    expect(() => clerk.sessionToken('user_nobody')).toThrow(/no user user_nobody/)
  })
})
