import type { ServerResponse } from 'node:http'

/**
 * `form-action` for a page whose forms end at `redirectUrl`: Chromium checks every redirect after
 * a form submission against it, and a sign-in goes on through the handshake to the app.
 * CSP has no syntax for an IPv6 literal, so such a page gets the scheme instead.
 */
function formAction(redirectUrl: URL | null): string {
  if (!redirectUrl) return "'self'"
  const target = redirectUrl.hostname.startsWith('[') ? redirectUrl.protocol : redirectUrl.origin
  return `'self' ${target}`
}

/**
 * The headers of every page the Frontend API renders: no script, no plugin, no frame around it
 * (a framed sign-in button could be clickjacked), forms only to itself and the app it returns to.
 */
export function pageHeaders(redirectUrl: URL | null): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction(redirectUrl)}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  }
}

/** An HTML page; every value in `html` must already be escaped. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  options: { redirectUrl?: URL | null; cookie?: string } = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    ...pageHeaders(options.redirectUrl ?? null),
    ...(options.cookie ? { 'set-cookie': options.cookie } : {}),
  })
  res.end(html)
}

/** A plain-text refusal, before anything about the request was looked at. */
export function sendRefusal(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  })
  res.end(`${text}\n`)
}
