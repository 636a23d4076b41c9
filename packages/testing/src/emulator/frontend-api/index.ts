/*
 * The Frontend API, as far as a browser signing in to a `clerkMiddleware` app needs it.
 *
 * What `@clerk/backend` 3.25 `authenticateRequest` (under @clerk/nextjs 7.9 / @clerk/express) does
 * with a `pk_test_` key, read from its source (tokens/request.ts, handshake.ts, authenticateContext.ts):
 * - Only a GET with `Sec-Fetch-Dest: document` (or, without that header, `Accept: text/html…`) may be
 *   redirected ("handshake"); anything else is just signed out.
 * - A development instance redirects a page request that has no `__clerk_db_jwt` (query or cookie),
 *   that carries `__clerk_db_jwt` in its query, whose `__session` expired (or is not active yet),
 *   or whose `__session` / `__client_uat` (seconds; `0` = signed out) disagree, to
 *   `<frontendApi>/v1/client/handshake?redirect_url=<page>&__clerk_api_version=…&suffixed_cookies=…
 *   &__clerk_hs_reason=…&format=nonce[&__session=…][&__clerk_db_jwt=…]`.
 * - `<frontendApi>` is the proxyUrl if one is set, else the host the publishable key encodes, and a
 *   value not starting with `http` gets `https://`. The emulator speaks http, so apps give it as
 *   `proxyUrl` (`CLERK_PROXY_URL`, `NEXT_PUBLIC_CLERK_PROXY_URL`): Clerk's documented setting for a
 *   Frontend API served elsewhere, not a bypass. `domain` only matters for satellites.
 * - Back on the app, `__clerk_handshake_nonce` is resolved through the Backend API
 *   (`GET /v1/clients/handshake_payload`); otherwise `__clerk_handshake` (query or cookie) is a JWT
 *   signed by the instance key (RS256, `typ: JWT`, no `cat`; verified with `jwtKey` or the JWKS at
 *   the apiUrl, `exp` not checked) whose `handshake` claim is a list of `Set-Cookie` values. The app
 *   sets them all, then (development) redirects to the page without the handshake and
 *   `__clerk_db_jwt` parameters. This emulator answers with the token.
 * - The cookies it expects: `__session` (session JWT, iat ≥ `__client_uat`), `__client_uat`,
 *   `__clerk_db_jwt` (the dev browser: it arrives as a query parameter and lives on as a cookie),
 *   suffixed copies (`__session_<8 chars of base64url SHA-1 of the pk>`) when `suffixed_cookies=true`.
 *   A `__clerk_redirect_count` cookie (Max-Age 2) stops a loop after 3 handshakes.
 *
 * Routes (tried before the Backend API, whose calls carry `Authorization: Bearer sk_…` and never
 * use these paths): `GET /v1/client/handshake`, `GET /sign-in?redirect_url=`, `POST /sign-in`,
 * `GET|POST /sign-out`. The browser is known by the Frontend API's own `__client` cookie on the
 * emulator's host, or by the dev browser token the app passes along.
 *
 * Signing in takes no password, so these routes guard themselves (request-guard.ts): loopback
 * connections only (403), the emulator's own host names only (421, against DNS rebinding), and
 * sign-in / sign-out only from the emulator's own pages (login CSRF; a cross-site `GET /sign-out`
 * gets a confirm button). Pages escape every value and send a CSP without script.
 */
import type { KeyObject } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SideRoute } from '../side-route.js'
import type { UserDirectory } from '../user-directory.js'
import { ClientStore, type FrontendClient } from './client-store.js'
import { requestCookies, setCookie } from './cookies.js'
import { escapeHtml } from './escape-html.js'
import { parseHandshakeRequest, parseRedirectUrl, redirectWithHandshake } from './handshake.js'
import { sendHtml, sendRefusal } from './html-response.js'
import { frontendApiHosts, isSameOriginRequest, refuseRequest } from './request-guard.js'
import { signInPage } from './sign-in-page.js'
import { signOutPage } from './sign-out-page.js'

/** What the Frontend API needs from the emulator it runs in. */
export interface FrontendApiContext {
  directory: UserDirectory
  instanceId: string
  /** `emulator.localhost:PORT` (what the publishable key encodes). */
  frontendApi: string
  /** `http://emulator.localhost:PORT`: the `iss` of session tokens. */
  issuer: string
  publishableKey: string
  privateKey: KeyObject
  /** A fresh, valid session token for an existing user (with the given session id). */
  sessionToken(userId: string, claims?: Record<string, unknown>): string
}

/** The Frontend API's cookie on its own host: which client this browser is. */
const CLIENT_COOKIE = '__client'
const CLIENT_COOKIE_SECONDS = 365 * 24 * 60 * 60
const MAX_FORM_BYTES = 64 * 1024

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_FORM_BYTES) break
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function seeOther(res: ServerResponse, location: string, cookie: string): void {
  res.writeHead(303, { location, 'set-cookie': cookie, 'cache-control': 'no-store' })
  res.end()
}

function handshakePath(redirectUrl: string): string {
  return `/v1/client/handshake?${new URLSearchParams({ redirect_url: redirectUrl })}`
}

/** Serves the Frontend API routes on the emulator's port; other requests fall through. */
export function frontendApiRoutes(
  context: FrontendApiContext,
  options: { maxClients?: number } = {},
): SideRoute {
  const clients = new ClientStore(options.maxClients)
  const hosts = frontendApiHosts(context.frontendApi)

  const clientCookie = (client: FrontendClient) =>
    setCookie(CLIENT_COOKIE, client.id, { maxAgeSeconds: CLIENT_COOKIE_SECONDS, httpOnly: true })

  // A session whose user was deleted since is over, as in Clerk.
  const current = (client: FrontendClient | undefined) => {
    if (client?.session && !context.directory.get(client.session.userId)) clients.signOut(client)
    return client
  }

  const page = (
    res: ServerResponse,
    status: number,
    client: FrontendClient | undefined,
    redirectUrl: URL | null,
    error?: string,
  ) =>
    sendHtml(
      res,
      status,
      signInPage({
        users: context.directory.users(),
        redirectUrl: redirectUrl?.href ?? null,
        signedInAs: client?.session ? context.directory.get(client.session.userId) : undefined,
        error,
      }),
      { redirectUrl },
    )

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator')
    const method = req.method ?? 'GET'
    const route = `${method} ${url.pathname}`
    if (
      route !== 'GET /v1/client/handshake' &&
      route !== 'GET /sign-in' &&
      route !== 'POST /sign-in' &&
      route !== 'GET /sign-out' &&
      route !== 'POST /sign-out'
    ) {
      return false
    }
    const refusal = refuseRequest(req, hosts)
    if (refusal) {
      sendRefusal(res, refusal.status, refusal.text)
      return true
    }
    const cookieClient = current(clients.byId(requestCookies(req).get(CLIENT_COOKIE)))

    if (route === 'GET /v1/client/handshake') {
      const request = parseHandshakeRequest(url)
      if (typeof request === 'string') {
        sendHtml(res, 400, `<p>clerk-emulator handshake: ${escapeHtml(request)}</p>`)
        return true
      }
      const client =
        cookieClient ??
        current(clients.byDevBrowserToken(url.searchParams.get('__clerk_db_jwt'))) ??
        clients.create()
      redirectWithHandshake(res, context, client, request, clientCookie(client))
      return true
    }

    const form = method === 'POST' ? await readForm(req) : url.searchParams
    const redirectParam = form.get('redirect_url')
    const redirectUrl = redirectParam ? parseRedirectUrl(redirectParam) : null
    if (typeof redirectUrl === 'string') {
      page(res, 400, cookieClient, null, redirectUrl)
      return true
    }

    if (route === 'GET /sign-in') {
      page(res, 200, cookieClient, redirectUrl)
      return true
    }

    // Signing in or out changes the browser's state: only from the emulator's own pages.
    if (!isSameOriginRequest(req)) {
      if (route === 'GET /sign-out') {
        sendHtml(res, 200, signOutPage(redirectUrl?.href ?? null), { redirectUrl })
      } else {
        const what = route === 'POST /sign-in' ? 'sign-in' : 'sign-out'
        page(
          res,
          403,
          cookieClient,
          redirectUrl,
          `Refused a ${what} sent from another site: choose on this page instead.`,
        )
      }
      return true
    }

    const client = cookieClient ?? clients.create()
    if (route === 'POST /sign-in') {
      const userId = form.get('user_id') ?? ''
      if (!context.directory.get(userId)) {
        page(res, 400, cookieClient, redirectUrl, `No user ${userId} in the emulator.`)
        return true
      }
      clients.signIn(client, userId)
    } else {
      clients.signOut(client)
    }
    // Through the handshake, so the app's host gets its cookies; without a page to go back to, here.
    const next = redirectUrl ? handshakePath(redirectUrl.href) : `/sign-in`
    seeOther(res, next, clientCookie(client))
    return true
  }
}
