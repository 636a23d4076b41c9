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
  ])('refuses the body %j with 422 %s', async (body, code, param) => {
    const answer = await post(url, body, clerk.secretKey)
    expect(answer.status).toBe(422)
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ code, meta: { param_name: param } }),
    ])
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

describe('the session token endpoint on an emulator listening on every interface', () => {
  if (!lanAddress) {
    console.warn('[emulator-dev-tokens] no non-loopback IPv4 interface: LAN refusal not tested')
  }

  it.runIf(lanAddress)(
    'refuses a caller that reached it over the network, key or not, while the Backend API answers',
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

  it('reads the socket, not headers a caller could forge', async () => {
    // A check that trusted X-Forwarded-For or Host would answer 403 here.
    const clerk = await startClerkEmulator()
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${clerk.apiUrl}${SESSION_TOKENS_PATH}`, {
          method: 'POST',
          headers: { 'x-forwarded-for': '203.0.113.9', host: 'example.com' },
        })
        req.on('response', (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.on('error', reject)
        req.end('{}')
      })
      // Loopback socket, forged headers: the key check answers, not the loopback check.
      expect(status).toBe(401)
    } finally {
      await clerk.close()
    }
  })
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
