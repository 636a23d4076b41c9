import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createClerkClient, verifyToken } from '@clerk/backend'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { PageNavigator } from '../../../test-support/browser/page-navigator.js'
import { listenOnLoopback } from '../../../test-support/http.js'
import { type ClerkEmulator, startClerkEmulator } from '../src/emulator/index.js'

/**
 * The sign-in a browser does against the emulator, walked over real HTTP: an app that
 * authenticates every request with `@clerk/backend`'s authenticateRequest (what clerkMiddleware
 * runs in @clerk/nextjs and @clerk/express), keys from the emulator, proxyUrl pointing at it,
 * and a navigator that keeps cookies and follows redirects as Chromium does.
 */

let clerk: ClerkEmulator
let app: Server
let appOrigin: string
let frontendApiUrl: string
const handshakeReasons: string[] = []

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value)
    else if (value) for (const item of value) headers.append(name, item)
  }
  return new Request(new URL(req.url ?? '/', origin), { method: req.method, headers })
}

beforeAll(async () => {
  clerk = await startClerkEmulator()
  frontendApiUrl = clerk.frontendApiUrl
  const clerkClient = createClerkClient({
    apiUrl: clerk.apiUrl,
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    telemetry: { disabled: true },
  })
  app = createServer(async (req, res) => {
    try {
      const state = await clerkClient.authenticateRequest(toRequest(req, appOrigin), {
        // The emulator serves its Frontend API over http; without this Clerk redirects to https://.
        proxyUrl: frontendApiUrl,
      })
      if (state.status === 'handshake') handshakeReasons.push(state.reason ?? '')
      const headers: Record<string, string | string[]> = {
        'set-cookie': state.headers.getSetCookie(),
      }
      const location = state.headers.get('location')
      if (location) {
        res.writeHead(307, { ...headers, location })
        res.end()
        return
      }
      const auth = state.status === 'signed-in' ? state.toAuth() : null
      res.writeHead(200, { ...headers, 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          status: state.status,
          userId: auth?.userId ?? null,
          sessionId: auth?.sessionId ?? null,
        }),
      )
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(error))
    }
  })
  const port = await listenOnLoopback(app)
  appOrigin = `http://localhost:${port}`
})

afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve))
  await clerk?.close()
})

afterEach(() => {
  vi.useRealTimers()
  handshakeReasons.length = 0
})

function seedUser(email: string, firstName: string) {
  const [user] = clerk.seedUsers([{ emails: [email], firstName, lastName: null }])
  return user!
}

async function signIn(navigator: PageNavigator, userId: string, page: string) {
  return navigator.navigate(`${frontendApiUrl}/sign-in`, {
    method: 'POST',
    form: { user_id: userId, redirect_url: page },
  })
}

describe('Frontend API handshake', () => {
  it('leaves a first visit signed out, with the dev browser and __client_uat=0 set on the app', async () => {
    const navigator = new PageNavigator()
    const result = await navigator.navigate(`${appOrigin}/dashboard?tab=1`)

    expect(JSON.parse(result.body)).toMatchObject({ status: 'signed-out', userId: null })
    expect(handshakeReasons).toEqual(['dev-browser-missing'])
    const handshake = new URL(result.steps[1]!.url)
    expect(handshake.origin).toBe(frontendApiUrl)
    expect(handshake.pathname).toBe('/v1/client/handshake')
    expect(handshake.searchParams.get('redirect_url')).toBe(`${appOrigin}/dashboard?tab=1`)
    // Back where it started, the handshake parameters gone.
    expect(result.url).toBe(`${appOrigin}/dashboard?tab=1`)
    const cookies = navigator.cookies('localhost')
    expect(cookies.__clerk_db_jwt).toMatch(/^dvb_/)
    expect(cookies.__client_uat).toBe('0')
    expect(cookies.__session).toBeUndefined()

    // The next page needs no handshake.
    const again = await navigator.navigate(`${appOrigin}/dashboard`)
    expect(again.steps).toHaveLength(1)
    expect(JSON.parse(again.body).status).toBe('signed-out')
  })

  it('signs in through the pick-a-user page and comes back signed in', async () => {
    const ada = seedUser('ada.fapi@example.com', 'Ada')
    seedUser('grace.fapi@example.com', 'Grace')
    const navigator = new PageNavigator()
    await navigator.navigate(`${appOrigin}/`)

    const picker = await navigator.navigate(
      `${frontendApiUrl}/sign-in?redirect_url=${encodeURIComponent(`${appOrigin}/admin`)}`,
    )
    expect(picker.status).toBe(200)
    expect(picker.body).toContain('Sign in as Ada &lt;ada.fapi@example.com&gt;')
    expect(picker.body).toContain('Sign in as Grace &lt;grace.fapi@example.com&gt;')
    expect(picker.body).toContain(`value="${ada.id}"`)

    const result = await signIn(navigator, ada.id, `${appOrigin}/admin`)
    expect(result.url).toBe(`${appOrigin}/admin`)
    const body = JSON.parse(result.body)
    expect(body).toMatchObject({ status: 'signed-in', userId: ada.id })
    expect(body.sessionId).toMatch(/^sess_/)

    const cookies = navigator.cookies('localhost')
    const session = await verifyToken(cookies.__session!, { jwtKey: clerk.jwtKey })
    expect(session).toMatchObject({ sub: ada.id, sid: body.sessionId, azp: appOrigin })
    expect(Number(cookies.__client_uat)).toBeGreaterThan(0)
    expect(Number(cookies.__client_uat)).toBeLessThanOrEqual(session.iat)
    expect(cookies.__clerk_db_jwt).toMatch(/^dvb_/)
    // The emulator's own cookie stays on the emulator's host.
    expect(navigator.cookies(new URL(frontendApiUrl).hostname).__client).toMatch(/^client_/)
    expect(navigator.cookies('localhost').__client).toBeUndefined()

    // Signed in on the next page without a handshake.
    const next = await navigator.navigate(`${appOrigin}/other`)
    expect(next.steps).toHaveLength(1)
    expect(JSON.parse(next.body)).toMatchObject({ status: 'signed-in', userId: ada.id })

    // The picker knows who this browser is.
    const status = await navigator.navigate(`${frontendApiUrl}/sign-in`)
    expect(status.body).toContain('Signed in as Ada.')
  })

  it('mints a fresh session token through the handshake once the 60 s one expired', async () => {
    const ada = seedUser('ada.expiry@example.com', 'Ada')
    const navigator = new PageNavigator()
    const first = await signIn(navigator, ada.id, `${appOrigin}/`)
    const sessionId = JSON.parse(first.body).sessionId
    const firstToken = navigator.cookies('localhost').__session!

    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 120_000)
    handshakeReasons.length = 0
    const reload = await navigator.navigate(`${appOrigin}/`)

    expect(handshakeReasons).toEqual([
      'session-token-expired-refresh-non-eligible-no-refresh-cookie',
    ])
    expect(reload.steps.map((step) => new URL(step.url).host)).toContain(clerk.frontendApi)
    expect(JSON.parse(reload.body)).toMatchObject({
      status: 'signed-in',
      userId: ada.id,
      sessionId,
    })
    const freshToken = navigator.cookies('localhost').__session!
    expect(freshToken).not.toBe(firstToken)
    const claims = await verifyToken(freshToken, { jwtKey: clerk.jwtKey })
    expect(claims.iat).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))
  })

  it('sets suffixed copies when the app asks, under the suffix @clerk/backend derives from the key', async () => {
    const ada = seedUser('ada.suffixed@example.com', 'Ada')
    const navigator = new PageNavigator()
    await signIn(navigator, ada.id, `${appOrigin}/`)
    const handshake = new URL(`${frontendApiUrl}/v1/client/handshake`)
    handshake.searchParams.set('redirect_url', `${appOrigin}/`)
    handshake.searchParams.set('suffixed_cookies', 'true')
    const redirect = await navigator.navigate(handshake.href, { maxRedirects: 0 })
    const token = new URL(String(redirect.headers.location)).searchParams.get('__clerk_handshake')!
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
    const bases = ['__clerk_db_jwt', '__client_uat', '__session']
    const suffixed = (payload.handshake as string[])
      .map((directive) => directive.split(';')[0]!.split('=') as [string, string])
      .filter(([name]) =>
        bases.some((base) => name.startsWith(`${base}_`) && name.length === base.length + 9),
      )
    expect(suffixed).toHaveLength(3)
    expect(new Set(suffixed.map(([name]) => name.slice(-8))).size).toBe(1)

    // A browser holding only the suffixed cookies is signed in on them, with no handshake.
    const fresh = new PageNavigator()
    for (const [name, value] of suffixed) fresh.setCookie('localhost', name, value)
    const page = await fresh.navigate(`${appOrigin}/`)
    expect(page.steps).toHaveLength(1)
    expect(JSON.parse(page.body)).toMatchObject({ status: 'signed-in', userId: ada.id })
  })

  it('signs out: the app loses __session and reads __client_uat=0', async () => {
    const ada = seedUser('ada.signout@example.com', 'Ada')
    const navigator = new PageNavigator()
    await signIn(navigator, ada.id, `${appOrigin}/`)

    const result = await navigator.navigate(`${frontendApiUrl}/sign-out`, {
      method: 'POST',
      form: { redirect_url: `${appOrigin}/bye` },
    })
    expect(result.url).toBe(`${appOrigin}/bye`)
    expect(JSON.parse(result.body).status).toBe('signed-out')
    expect(navigator.cookies('localhost').__session).toBeUndefined()
    expect(navigator.cookies('localhost').__client_uat).toBe('0')
  })

  it('ends the session of a user deleted since: the next handshake signs the browser out', async () => {
    const ada = seedUser('ada.deleted@example.com', 'Ada')
    const navigator = new PageNavigator()
    await signIn(navigator, ada.id, `${appOrigin}/`)
    clerk.deleteUsers([ada.id])
    // Drop the app's session so the next page goes through the handshake.
    navigator.setCookie('localhost', '__session', '')

    const result = await navigator.navigate(`${appOrigin}/`)
    expect(JSON.parse(result.body)).toMatchObject({ status: 'signed-out', userId: null })
  })

  it('refuses a user the emulator does not have, and a redirect that is not http(s) or not local', async () => {
    const navigator = new PageNavigator()
    const unknown = await signIn(navigator, 'user_nobody', `${appOrigin}/`)
    expect(unknown.status).toBe(400)
    expect(unknown.body).toContain('No user user_nobody in the emulator.')

    const script = await navigator.navigate(
      `${frontendApiUrl}/v1/client/handshake?redirect_url=${encodeURIComponent('javascript:alert(1)')}`,
    )
    expect(script.status).toBe(400)

    // A session token is only ever handed to a page on this machine.
    const ada = seedUser('ada.elsewhere@example.com', 'Ada')
    const elsewhere = await signIn(navigator, ada.id, 'https://attacker.example/collect')
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.body).toContain('redirect_url must be on this machine')
    const handshake = await navigator.navigate(
      `${frontendApiUrl}/v1/client/handshake?redirect_url=${encodeURIComponent('http://192.168.1.20:3000/')}`,
    )
    expect(handshake.status).toBe(400)
    expect(handshake.headers.location).toBeUndefined()
  })

  it('an app holding another instance key refuses the handshake (the signature is checked)', async () => {
    const other = await startClerkEmulator()
    try {
      const ada = seedUser('ada.other@example.com', 'Ada')
      const navigator = new PageNavigator()
      await signIn(navigator, ada.id, `${appOrigin}/`)
      const handshake = new URL(`${frontendApiUrl}/v1/client/handshake`)
      handshake.searchParams.set('redirect_url', `${appOrigin}/`)
      const redirect = await navigator.navigate(handshake.href, { maxRedirects: 0 })
      const token = new URL(String(redirect.headers.location)).searchParams.get('__clerk_handshake')
      const stranger = createClerkClient({
        apiUrl: other.apiUrl,
        secretKey: other.secretKey,
        publishableKey: clerk.publishableKey,
        telemetry: { disabled: true },
      })
      await expect(
        stranger.authenticateRequest(
          new Request(`${appOrigin}/?__clerk_handshake=${token}`, {
            headers: { 'sec-fetch-dest': 'document' },
          }),
          { proxyUrl: frontendApiUrl },
        ),
      ).rejects.toThrow(/Handshake token verification failed/)
    } finally {
      await other.close()
    }
  })
})
