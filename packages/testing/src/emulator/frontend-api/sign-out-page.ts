import { escapeHtml } from './escape-html.js'

/**
 * What `GET /sign-out` shows when another site sent the browser there: a button that posts the
 * sign-out from this page, so a link or an `<img>` elsewhere cannot end the session by itself.
 */
export function signOutPage(redirectUrl: string | null): string {
  const redirect = redirectUrl
    ? `<input type="hidden" name="redirect_url" value="${escapeHtml(redirectUrl)}">`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out: Clerk emulator</title></head>
<body><h1>Sign out (Clerk emulator)</h1><form method="post" action="/sign-out">${redirect}<button type="submit">Sign out</button></form></body></html>
`
}
