import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The request's cookies by name (the first of duplicates, as browsers send the most specific first). */
export function requestCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at < 0) continue
    const name = pair.slice(0, at).trim()
    if (name && !cookies.has(name)) cookies.set(name, decodeURIComponent(pair.slice(at + 1).trim()))
  }
  return cookies
}

export interface CookieAttributes {
  maxAgeSeconds?: number
  httpOnly?: boolean
}

/** A `Set-Cookie` value: host-only, `Path=/`, `SameSite=Lax`, as Clerk sets them on localhost. */
export function setCookie(name: string, value: string, attributes: CookieAttributes = {}): string {
  let cookie = `${name}=${value}; Path=/; SameSite=Lax`
  if (attributes.maxAgeSeconds !== undefined) cookie += `; Max-Age=${attributes.maxAgeSeconds}`
  if (attributes.httpOnly) cookie += '; HttpOnly'
  return cookie
}

/**
 * `@clerk/shared`'s getCookieSuffix: the first 8 characters of the URL-safe base64 SHA-1 of the
 * publishable key, appended to suffixed cookie names (`__session_<suffix>`).
 */
export function cookieSuffix(publishableKey: string): string {
  return createHash('sha1')
    .update(publishableKey)
    .digest('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .slice(0, 8)
}
