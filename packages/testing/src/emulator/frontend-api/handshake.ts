import type { ServerResponse } from 'node:http'
import type { FrontendClient } from './client-store.js'
import { cookieSuffix, setCookie } from './cookies.js'
import type { FrontendApiContext } from './index.js'
import { signJwt } from './sign-jwt.js'

/** A year: how long Clerk keeps `__client_uat` and the dev browser cookie. */
const LONG_LIVED_SECONDS = 365 * 24 * 60 * 60

export interface HandshakeRequest {
  /** Where the app wants the browser back: the page that was asked for. */
  redirectUrl: URL
  /** `suffixed_cookies=true`: the app reads `__session_<suffix>` and friends as well. */
  suffixedCookies: boolean
}

/**
 * The cookies the app's host must hold for this client: `__clerk_db_jwt`, `__client_uat`, and a
 * fresh `__session` (minted now, so a reload after the 60 s token expired stays signed in) or its
 * removal when signed out. Suffixed copies too when the app asked for them.
 */
function cookieDirectives(
  context: FrontendApiContext,
  client: FrontendClient,
  request: HandshakeRequest,
): string[] {
  const session = client.session
  const sessionToken = session
    ? context.sessionToken(session.userId, {
        sid: session.id,
        // A browser's tokens name the origin they were made for; authorizedParties checks it.
        azp: request.redirectUrl.origin,
      })
    : ''
  const cookies = (suffix: string) => [
    setCookie(`__clerk_db_jwt${suffix}`, client.devBrowserToken, {
      maxAgeSeconds: LONG_LIVED_SECONDS,
    }),
    setCookie(`__client_uat${suffix}`, String(session ? client.updatedAt : 0), {
      maxAgeSeconds: LONG_LIVED_SECONDS,
    }),
    session
      ? setCookie(`__session${suffix}`, sessionToken)
      : setCookie(`__session${suffix}`, '', { maxAgeSeconds: 0 }),
  ]
  const directives = cookies('')
  if (request.suffixedCookies)
    directives.push(...cookies(`_${cookieSuffix(context.publishableKey)}`))
  return directives
}

/**
 * Answers `GET /v1/client/handshake`: back to `redirect_url` with `__clerk_handshake`, a JWT
 * signed with the instance key whose `handshake` claim lists the cookies to set (the token format
 * `@clerk/backend` verifies with `jwtKey` or the JWKS; it asks for `format=nonce`, but a nonce
 * would need a Backend API round trip, and a token is what it accepts just the same).
 */
export function redirectWithHandshake(
  res: ServerResponse,
  context: FrontendApiContext,
  client: FrontendClient,
  request: HandshakeRequest,
  frontendCookie: string,
): void {
  const now = Math.floor(Date.now() / 1000)
  const handshake = signJwt(
    { handshake: cookieDirectives(context, client, request), iat: now },
    { kid: context.instanceId, privateKey: context.privateKey },
  )
  const back = new URL(request.redirectUrl)
  back.searchParams.set('__clerk_handshake', handshake)
  back.searchParams.set('__clerk_db_jwt', client.devBrowserToken)
  res.writeHead(307, {
    location: back.href,
    'set-cookie': frontendCookie,
    'cache-control': 'no-store',
  })
  res.end()
}

/** The handshake's query: `redirect_url` must be an absolute http(s) URL on a loopback host. */
export function parseHandshakeRequest(url: URL): HandshakeRequest | string {
  const redirectUrl = parseRedirectUrl(url.searchParams.get('redirect_url'))
  if (typeof redirectUrl === 'string') return redirectUrl
  return { redirectUrl, suffixedCookies: url.searchParams.get('suffixed_cookies') === 'true' }
}

export function parseRedirectUrl(value: string | null): URL | string {
  if (!value) return 'redirect_url is missing'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `redirect_url is not an absolute URL: ${value}`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `redirect_url must be http(s): ${value}`
  }
  // The handshake hands a session token to whatever page it returns to: only local apps get one.
  if (!isLoopbackHost(url.hostname)) {
    return `redirect_url must be on this machine (localhost, *.localhost, 127.x.x.x, [::1]): ${value}`
  }
  return url
}

function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ||
    hostname === '[::1]'
  )
}
