import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClientStore } from '../src/emulator/frontend-api/client-store.js'
import { type ClerkEmulator, startClerkEmulator } from '../src/emulator/index.js'

/**
 * What keeps the emulator's password-less sign-in to the browser on this machine: escaped pages
 * with a script-free CSP, loopback connections only, its own host names only (DNS rebinding),
 * sign-in and sign-out only from its own pages (login CSRF), and a bounded client store.
 * Requests go over real HTTP with the headers browsers send, set by hand where a test needs them.
 */

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request, `Host` and all headers as given (fetch would not let a test set `Host`). */
function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {},
): Promise<Answer> {
  const body = init.form ? new URLSearchParams(init.form).toString() : undefined
  const headers: Record<string, string> = { ...init.headers }
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The `__client` value an answer sets, if any. */
function clientCookie(answer: Answer): string | undefined {
  for (const header of answer.headers['set-cookie'] ?? []) {
    const match = /^__client=([^;]*)/.exec(header)
    if (match) return match[1]
  }
  return undefined
}

/** The cookies a handshake's `__clerk_handshake` token tells the app to set, by name. */
function handshakeCookies(answer: Answer): Record<string, string> {
  const token = new URL(String(answer.headers.location)).searchParams.get('__clerk_handshake')!
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
  const cookies: Record<string, string> = {}
  for (const directive of payload.handshake as string[]) {
    const pair = directive.split(';')[0]!
    const at = pair.indexOf('=')
    cookies[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return cookies
}

const APP = 'http://localhost:3999'

describe('the Frontend API on the default loopback emulator', () => {
  let clerk: ClerkEmulator
  let fapi: string
  let port: string

  beforeAll(async () => {
    clerk = await startClerkEmulator()
    fapi = clerk.frontendApiUrl
    port = new URL(fapi).port
  })

  afterAll(async () => {
    await clerk?.close()
  })

  const handshake = (cookie?: string) =>
    send(`${fapi}/v1/client/handshake?redirect_url=${encodeURIComponent(`${APP}/`)}`, {
      headers: cookie ? { cookie: `__client=${cookie}` } : {},
    })

  describe('pages', () => {
    it('escapes the redirect_url a refused handshake quotes (reflected XSS)', async () => {
      const answer = await send(
        `${fapi}/v1/client/handshake?redirect_url=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E`,
      )
      expect(answer.status).toBe(400)
      expect(answer.body).not.toContain('<img')
      expect(answer.body).toContain('&lt;img src=x onerror=alert(1)&gt;')
      expect(answer.headers['content-security-policy']).toContain("default-src 'none'")
    })

    it('escapes what it quotes from the directory and the query on the sign-in page', async () => {
      const [user] = clerk.seedUsers([
        {
          emails: ['mallory.xss@example.com'],
          firstName: '<script>alert(1)</script>',
          lastName: '"><img src=x onerror=alert(2)>',
        },
      ])
      const page = await send(
        `${fapi}/sign-in?redirect_url=${encodeURIComponent(`${APP}/"><script>alert(3)</script>`)}`,
      )
      expect(page.status).toBe(200)
      expect(page.body).toContain(`value="${user!.id}"`)
      expect(page.body).not.toMatch(/<script|<img/)
      expect(page.body).toContain('Sign in as &lt;script&gt;alert(1)&lt;/script&gt;')

      const invalid = await send(
        `${fapi}/sign-in?redirect_url=${encodeURIComponent('<svg onload=alert(4)>')}`,
      )
      expect(invalid.status).toBe(400)
      expect(invalid.body).not.toContain('<svg')
      expect(invalid.body).toContain('&lt;svg onload=alert(4)&gt;')
    })

    it('sends a script-free CSP whose form-action lets the sign-in return to the app only', async () => {
      const page = await send(`${fapi}/sign-in?redirect_url=${encodeURIComponent(`${APP}/x`)}`)
      expect(page.headers['content-security-policy']).toBe(
        `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${APP}; frame-ancestors 'none'; base-uri 'none'`,
      )
      expect(page.headers['x-content-type-options']).toBe('nosniff')
      expect(page.headers['x-frame-options']).toBe('DENY')
      const bare = await send(`${fapi}/sign-in`)
      expect(bare.headers['content-security-policy']).toContain("form-action 'self';")
    })
  })

  describe('Host header (DNS rebinding)', () => {
    it.each([
      ['attacker.example:PORT'],
      ['localhost:1'],
      ['127.0.0.1'],
      ['emulator.localhost.attacker.example:PORT'],
    ])('refuses Host %j with 421 and shows nothing', async (hostPattern) => {
      clerk.seedUsers([{ emails: [`rebind.${hostPattern.length}@example.com`] }])
      for (const path of ['/sign-in', `/v1/client/handshake?redirect_url=${APP}/`]) {
        const answer = await send(`http://127.0.0.1:${port}${path}`, {
          headers: { host: hostPattern.replace('PORT', port) },
        })
        expect(answer.status).toBe(421)
        expect(answer.body).toContain('does not answer for the host')
        expect(answer.body).not.toContain('@example.com')
        expect(answer.headers.location).toBeUndefined()
        expect(answer.headers['set-cookie']).toBeUndefined()
      }
    })

    it('answers as the publishable key host and the loopback names, on its port', async () => {
      for (const host of [
        new URL(fapi).host,
        `localhost:${port}`,
        `emulator.localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        `LOCALHOST:${port}`,
      ]) {
        const answer = await send(`http://127.0.0.1:${port}/sign-in`, { headers: { host } })
        expect(answer.status, host).toBe(200)
      }
    })

    it('leaves the Backend API to its secret key, whatever the Host', async () => {
      const users = await send(`http://127.0.0.1:${port}/v1/users`, {
        headers: { host: 'api.example', authorization: `Bearer ${clerk.secretKey}` },
      })
      expect(users.status).toBe(200)
    })
  })

  describe('login CSRF', () => {
    let userId: string
    beforeAll(() => {
      userId = clerk.seedUsers([{ emails: ['csrf@example.com'], firstName: 'Csrf' }])[0]!.id
    })

    const signIn = (headers: Record<string, string>) =>
      send(`${fapi}/sign-in`, {
        method: 'POST',
        headers,
        form: { user_id: userId, redirect_url: `${APP}/` },
      })

    it.each([
      [{ 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example' }],
      [{ 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' }],
      [{ 'sec-fetch-site': 'cross-site' }],
      [{ origin: 'http://attacker.example' }],
      [{ origin: 'null' }],
    ])('refuses a sign-in posted from another site (%j)', async (headers) => {
      const answer = await signIn(headers)
      expect(answer.status).toBe(403)
      expect(answer.body).toContain('Refused a sign-in sent from another site')
      expect(answer.headers.location).toBeUndefined()
      expect(clientCookie(answer)).toBeUndefined()
    })

    it.each([
      ['the emulator page', () => ({ 'sec-fetch-site': 'same-origin', origin: fapi })],
      ['an older browser on the emulator page', () => ({ origin: fapi })],
      ['a client that is no browser', () => ({})],
    ])('signs in when posted from %s', async (_, headers) => {
      const answer = await signIn(headers())
      expect(answer.status).toBe(303)
      expect(answer.headers.location).toMatch(/^\/v1\/client\/handshake\?/)
      const client = clientCookie(answer)!
      expect(handshakeCookies(await handshake(client)).__session).not.toBe('')
    })

    it('keeps a session that another site tries to end, and asks on a cross-site GET /sign-out', async () => {
      const client = clientCookie(await signIn({ 'sec-fetch-site': 'same-origin' }))!
      const cookie = { cookie: `__client=${client}` }

      const posted = await send(`${fapi}/sign-out`, {
        method: 'POST',
        headers: { ...cookie, 'sec-fetch-site': 'cross-site' },
        form: { redirect_url: `${APP}/` },
      })
      expect(posted.status).toBe(403)
      const linked = await send(`${fapi}/sign-out?redirect_url=${encodeURIComponent(`${APP}/`)}`, {
        headers: { ...cookie, 'sec-fetch-site': 'cross-site' },
      })
      expect(linked.status).toBe(200)
      expect(linked.body).toContain('<form method="post" action="/sign-out">')
      expect(linked.body).toContain(`value="${APP}/"`)
      expect(handshakeCookies(await handshake(client)).__session).not.toBe('')

      // Typed in or from a bookmark (`none`), or the confirm button (`same-origin`): signed out.
      const typed = await send(`${fapi}/sign-out?redirect_url=${encodeURIComponent(`${APP}/`)}`, {
        headers: { ...cookie, 'sec-fetch-site': 'none' },
      })
      expect(typed.status).toBe(303)
      expect(handshakeCookies(await handshake(client)).__session).toBe('')
    })
  })

  describe('client store', () => {
    it('forgets the oldest signed-out browser after 1,000 others, and keeps signed-in ones', async () => {
      const anonymous = clientCookie(await handshake())!
      const userId = clerk.seedUsers([{ emails: ['kept@example.com'] }])[0]!.id
      const signedIn = clientCookie(
        await send(`${fapi}/sign-in`, { method: 'POST', form: { user_id: userId } }),
      )!
      // Still known: the same client comes back.
      expect(clientCookie(await handshake(anonymous))).toBe(anonymous)

      for (let i = 0; i < 1000; i++) await handshake()

      expect(clientCookie(await handshake(anonymous))).not.toBe(anonymous)
      const kept = await handshake(signedIn)
      expect(clientCookie(kept)).toBe(signedIn)
      expect(handshakeCookies(kept).__session).not.toBe('')
    }, 60_000)
  })
})

describe('ClientStore', () => {
  it('keeps at most its bound, forgetting signed-out clients before signed-in ones, least recent first', () => {
    const store = new ClientStore(3)
    const signedIn = store.create()
    store.signIn(signedIn, 'user_1')
    const older = store.create()
    const newer = store.create()
    // Using a client makes it recent.
    expect(store.byDevBrowserToken(older.devBrowserToken)).toBe(older)

    store.create()
    expect(store.size).toBe(3)
    expect(store.byId(newer.id)).toBeUndefined()
    expect(store.byDevBrowserToken(newer.devBrowserToken)).toBeUndefined()
    expect(store.byId(older.id)).toBe(older)

    store.create()
    store.create()
    expect(store.size).toBe(3)
    expect(store.byId(older.id)).toBeUndefined()
    expect(store.byId(signedIn.id)).toBe(signedIn)

    // All signed in: the least recently used goes.
    const all = new ClientStore(2)
    const first = all.create()
    const second = all.create()
    all.signIn(first, 'user_1')
    all.signIn(second, 'user_2')
    all.create()
    expect(all.byId(first.id)).toBeUndefined()
    expect(all.byId(second.id)).toBe(second)
  })
})

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address

describe('the Frontend API on an emulator listening on every interface', () => {
  if (!lanAddress) {
    console.warn(
      '\n[frontend-api-guards] SKIPPING: no non-loopback IPv4 interface, so the LAN refusal is not tested\n',
    )
  }

  it.runIf(lanAddress)(
    'refuses a caller that reached it over the network, even naming a loopback Host',
    async () => {
      const clerk = await startClerkEmulator({ host: '0.0.0.0' })
      try {
        const [user] = clerk.seedUsers([{ emails: ['lan.fapi@example.com'], firstName: 'Lan' }])
        const port = new URL(clerk.apiUrl).port
        // A loopback Host, so only the socket check stands between the caller and the pages.
        const host = { host: `localhost:${port}` }
        const overLan = `http://${lanAddress}:${port}`
        const refused = [
          await send(`${overLan}/sign-in`, { headers: host }),
          await send(`${overLan}/sign-in`, {
            method: 'POST',
            headers: host,
            form: { user_id: user!.id, redirect_url: `${APP}/` },
          }),
          await send(`${overLan}/v1/client/handshake?redirect_url=${APP}/`, { headers: host }),
          await send(`${overLan}/sign-out`, { method: 'POST', headers: host }),
        ]
        for (const answer of refused) {
          expect(answer.status).toBe(403)
          expect(answer.body).toContain('answer browsers on this machine only')
          expect(answer.body).not.toContain('lan.fapi@example.com')
          expect(answer.headers.location).toBeUndefined()
          expect(answer.headers['set-cookie']).toBeUndefined()
        }
        // The same emulator through loopback: the page and the sign-in.
        const local = await send(`http://127.0.0.1:${port}/sign-in`, { headers: host })
        expect(local.status).toBe(200)
        expect(local.body).toContain('lan.fapi@example.com')
      } finally {
        await clerk.close()
      }
    },
  )
})
