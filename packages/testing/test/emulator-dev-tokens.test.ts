import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { createClerkClient } from '@clerk/backend'
import {
  type ClerkEmulator,
  SESSION_TOKENS_PATH,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLoopbackAddress } from '../src/emulator/loopback.js'

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

async function post(url: string, body: unknown, secretKey?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secretKey ? { authorization: `Bearer ${secretKey}` } : {}),
    },
    body: JSON.stringify(body),
  })
  return { status: response.status, headers: response.headers, body: await response.json() }
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())

describe('POST /__emulator/session-tokens', () => {
  let clerk: ClerkEmulator
  let userId: string
  let url: string

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    url = `${clerk.apiUrl}${SESSION_TOKENS_PATH}`
    const api = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    userId = (await api.users.createUser({ emailAddress: ['script@example.com'] })).id
  })
  afterAll(() => clerk.close())

  it('answers a token that authenticateRequest signs in with, custom claims and lifetime included', async () => {
    const answer = await post(
      url,
      { user_id: userId, claims: { metadata: { role: 'admin' } }, expires_in_seconds: 3600 },
      clerk.secretKey,
    )
    expect(answer.status).toBe(200)
    expect(answer.headers.get('clerk-sync-emulator')).toBe('1')
    expect(answer.body).toMatchObject({ object: 'token', jwt: expect.any(String) })
    const jwt = answer.body.jwt as string
    const claims = claimsOf(jwt)
    expect(claims).toMatchObject({ sub: userId, metadata: { role: 'admin' } })
    expect(claims.exp - claims.iat).toBe(3600)

    // What an app's clerkMiddleware does with an Authorization header, networkless.
    const app = createClerkClient({
      secretKey: clerk.secretKey,
      publishableKey: clerk.publishableKey,
      jwtKey: clerk.jwtKey,
      telemetry: { disabled: true },
    })
    const state = await app.authenticateRequest(
      new Request('http://localhost:3000/api/me', { headers: { authorization: `Bearer ${jwt}` } }),
    )
    expect(state.toAuth()?.userId).toBe(userId)
  })

  it('lives 60 s by default, as Clerk’s session tokens', async () => {
    const answer = await post(url, { user_id: userId }, clerk.secretKey)
    const claims = claimsOf(answer.body.jwt as string)
    expect(claims.exp - claims.iat).toBe(60)
  })

  it('refuses an unknown user with 404, naming it', async () => {
    const answer = await post(url, { user_id: 'user_nobody' }, clerk.secretKey)
    expect(answer.status).toBe(404)
    expect(answer.headers.get('clerk-sync-emulator')).toBe('1')
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        code: 'resource_not_found',
        long_message: 'No user was found with id user_nobody',
      }),
    ])
  })

  it('wants the secret key', async () => {
    expect((await post(url, { user_id: userId })).status).toBe(401)
    const wrong = await post(url, { user_id: userId }, 'sk_test_wrong')
    expect(wrong.status).toBe(401)
    expect(wrong.body.errors).toEqual([expect.objectContaining({ code: 'clerk_key_invalid' })])
  })

  it.each([
    [{}, 'form_param_missing', 'user_id'],
    [{ user_id: 42 }, 'form_param_format_invalid', 'user_id'],
    [{ user_id: 'user_x', claims: [] }, 'form_param_format_invalid', 'claims'],
    [
      { user_id: 'user_x', expires_in_seconds: 0 },
      'form_param_format_invalid',
      'expires_in_seconds',
    ],
    [
      { user_id: 'user_x', expires_in_seconds: 1.5 },
      'form_param_format_invalid',
      'expires_in_seconds',
    ],
    [{ user_id: 'user_x', ttl: 5 }, 'form_param_unknown', 'ttl'],
    [{ user_id: 'user_x', claims: { sub: 'user_admin' } }, 'form_param_format_invalid', 'claims'],
    [{ user_id: 'user_x', claims: { exp: 9_999_999_999 } }, 'form_param_format_invalid', 'claims'],
  ])('refuses the body %j with 422 %s', async (body, code, param) => {
    const answer = await post(url, body, clerk.secretKey)
    expect(answer.status).toBe(422)
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ code, meta: { param_name: param } }),
    ])
  })

  it('lets azp and custom claims through, never one that names another user or issuer', async () => {
    const answer = await post(
      url,
      { user_id: userId, claims: { azp: 'http://localhost:3000', org: 'acme' } },
      clerk.secretKey,
    )
    expect(claimsOf(answer.body.jwt as string)).toMatchObject({
      sub: userId,
      iss: clerk.frontendApiUrl,
      azp: 'http://localhost:3000',
      org: 'acme',
    })
    const refused = await post(
      url,
      { user_id: userId, claims: { sub: 'user_admin', iss: 'https://clerk.example.com' } },
      clerk.secretKey,
    )
    expect(refused.status).toBe(422)
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ long_message: expect.stringMatching(/may not set sub, iss/) }),
    ])
    expect(() => clerk.sessionToken(userId, { sub: 'user_admin' })).toThrow(
      /claims may not set sub/,
    )
    for (const name of ['iss', 'iat', 'nbf', 'exp', 'jti']) {
      expect(() => clerk.sessionToken(userId, { [name]: 1 }), name).toThrow(TypeError)
    }
  })

  it('takes POST only, and knows no other development path', async () => {
    const get = await fetch(url, { headers: { authorization: `Bearer ${clerk.secretKey}` } })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const other = await fetch(`${clerk.apiUrl}/__emulator/users`, { method: 'POST' })
    expect(other.status).toBe(404)
  })
})

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address

const noLanReason =
  'no non-loopback IPv4 interface on this machine: the LAN refusal cannot be tested'

describe('the session token endpoint on an emulator listening on every interface', () => {
  // The LAN tests are skipped visibly (skipIf, the reason in their names) on a machine without a
  // network; CI must have one.
  if (!lanAddress && process.env.CI) {
    it('has a non-loopback IPv4 interface (CI=true)', () => {
      throw new Error(`${noLanReason}; the LAN tests must run under CI=true`)
    })
  }

  it('names 127.0.0.1 in its URLs and keys, an address a client can connect to', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const clerk = await startClerkEmulator({ host })
      try {
        const port = new URL(clerk.apiUrl).port
        expect(clerk.apiUrl, host).toBe(`http://127.0.0.1:${port}`)
        expect(clerk.frontendApi, host).toBe(`127.0.0.1:${port}`)
        expect(clerk.signInUrl, host).toBe(`http://127.0.0.1:${port}/sign-in`)
        expect(Buffer.from(clerk.publishableKey.slice(8), 'base64').toString(), host).toBe(
          `127.0.0.1:${port}$`,
        )
        expect((await fetch(`${clerk.apiUrl}/v1/jwks`)).status, host).toBeLessThan(500)
      } finally {
        await clerk.close()
      }
    }
  })

  it.skipIf(!lanAddress)(
    'refuses a caller that reached it over the network, key or not, while the Backend API answers (skipped without a LAN interface)',
    async () => {
      const clerk = await startClerkEmulator({ host: '0.0.0.0' })
      try {
        const [user] = clerk.seedUsers([{ emails: ['lan@example.com'] }])
        const port = new URL(clerk.apiUrl).port
        const overLan = await post(
          `http://${lanAddress}:${port}${SESSION_TOKENS_PATH}`,
          { user_id: user!.id },
          clerk.secretKey,
        )
        expect(overLan.status).toBe(403)
        expect(overLan.body.errors).toEqual([
          expect.objectContaining({ code: 'emulator_loopback_only' }),
        ])
        expect(overLan.body).not.toHaveProperty('jwt')
        // The same emulator, through loopback: a token.
        const local = await post(
          `http://127.0.0.1:${port}${SESSION_TOKENS_PATH}`,
          { user_id: user!.id },
          clerk.secretKey,
        )
        expect(local.status).toBe(200)
        // The Backend API itself is not limited to loopback (it never was).
        const users = await fetch(`http://${lanAddress}:${port}/v1/users`, {
          headers: { authorization: `Bearer ${clerk.secretKey}` },
        })
        expect(users.status).toBe(200)
      } finally {
        await clerk.close()
      }
    },
  )

  it.skipIf(!lanAddress)(
    'reads the socket, not headers: a LAN caller claiming to be loopback is refused (skipped without a LAN interface)',
    async () => {
      // A check that trusted X-Forwarded-For, X-Real-IP or Host would hand this caller a token.
      const clerk = await startClerkEmulator({ host: '0.0.0.0' })
      try {
        const [user] = clerk.seedUsers([{ emails: ['forged@example.com'] }])
        const port = new URL(clerk.apiUrl).port
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(`http://${lanAddress}:${port}${SESSION_TOKENS_PATH}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${clerk.secretKey}`,
              'content-type': 'application/json',
              'x-forwarded-for': '127.0.0.1',
              'x-real-ip': '127.0.0.1',
              forwarded: 'for=127.0.0.1',
              host: `127.0.0.1:${port}`,
            },
          })
          req.on('response', (res) => {
            let body = ''
            res.on('data', (chunk) => (body += chunk))
            res.on('end', () => resolve({ status: res.statusCode!, body }))
          })
          req.on('error', reject)
          req.end(JSON.stringify({ user_id: user!.id }))
        })
        expect(answer.status).toBe(403)
        expect(answer.body).toContain('emulator_loopback_only')
        expect(answer.body).not.toContain('jwt')
      } finally {
        await clerk.close()
      }
    },
  )
})

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.0.2.2', false],
    ['::ffff:192.0.2.2', false],
    ['fd00::2', false],
    ['0.0.0.0', false],
    [undefined, false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected)
  })
})
