import type { IncomingMessage } from 'node:http'
import { isLoopbackConnection } from '../loopback.js'

/**
 * The `Host` values a browser on this machine reaches the Frontend API as: the host the
 * publishable key encodes, and the loopback names, all with the emulator's port. Any other name
 * pointing at this port is DNS rebinding (a page of `attacker.example` whose name now resolves
 * to 127.0.0.1 would otherwise read the user list and sign itself in).
 */
export function frontendApiHosts(frontendApi: string): Set<string> {
  const port = frontendApi.slice(frontendApi.lastIndexOf(':') + 1)
  const names = ['emulator.localhost', 'localhost', '127.0.0.1', '[::1]']
  return new Set([frontendApi.toLowerCase(), ...names.map((name) => `${name}:${port}`)])
}

/**
 * Why the request may not reach the Frontend API at all (status and text), or undefined.
 * The socket decides first: with `--host 0.0.0.0` the Backend API answers the network, but the
 * sign-in page needs no key, so a caller elsewhere could sign in as anyone.
 */
export function refuseRequest(
  req: IncomingMessage,
  hosts: ReadonlySet<string>,
): { status: number; text: string } | undefined {
  if (!isLoopbackConnection(req.socket)) {
    return {
      status: 403,
      text: 'clerk-emulator: the sign-in pages (Frontend API) answer browsers on this machine only: open them at http://localhost:<port> (or 127.0.0.1), not over the network.',
    }
  }
  const host = (req.headers.host ?? '').toLowerCase()
  if (!hosts.has(host)) {
    return {
      status: 421,
      text: `clerk-emulator: the Frontend API does not answer for the host "${host}"; use one of ${[...hosts].join(', ')}.`,
    }
  }
  return undefined
}

/**
 * Whether a state-changing request (sign in, sign out) comes from the emulator's own pages, so
 * another site cannot sign the browser in as a user of its choosing (login CSRF).
 * - `Sec-Fetch-Site` (every current browser sends it): `same-origin`, or `none` (typed in, a
 *   bookmark); `same-site` is refused, as every app on localhost is same-site with the emulator.
 * - Without it, an older browser still sends `Origin` on a POST: it must be the emulator's own.
 * - Neither header: not a browser (curl, a test's HTTP client), which no other site can drive;
 *   such a caller is on this machine (see refuseRequest) and could call the routes anyway.
 */
export function isSameOriginRequest(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin' || site === 'none'
  const origin = req.headers.origin
  if (origin === undefined) return true
  return origin.toLowerCase() === `http://${(req.headers.host ?? '').toLowerCase()}`
}
