import type { ClerkUserFixture } from '../../fixtures/clerk-user.js'
import { escapeHtml } from './escape-html.js'

function displayName(user: ClerkUserFixture): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ')
  return name || user.username || user.id
}

function primaryEmail(user: ClerkUserFixture): string {
  const primary = user.email_addresses.find((email) => email.id === user.primary_email_address_id)
  return (primary ?? user.email_addresses[0])?.email_address ?? ''
}

export interface SignInPageOptions {
  users: ClerkUserFixture[]
  /** Where the browser goes once signed in; kept in every form. */
  redirectUrl: string | null
  /** The user this browser is signed in as, if any. */
  signedInAs: ClerkUserFixture | undefined
  error?: string
}

/**
 * The pick-a-user sign-in: one button per user of the emulator, no password (it stands in for
 * Clerk's hosted sign-in, which would have checked one). Plain HTML forms, no script.
 */
export function signInPage(options: SignInPageOptions): string {
  const redirect = options.redirectUrl
    ? `<input type="hidden" name="redirect_url" value="${escapeHtml(options.redirectUrl)}">`
    : ''
  const rows = options.users.map((user) => {
    const email = primaryEmail(user)
    return `<li><form method="post" action="/sign-in">${redirect}<input type="hidden" name="user_id" value="${escapeHtml(user.id)}"><button type="submit" data-user-id="${escapeHtml(user.id)}">Sign in as ${escapeHtml(displayName(user))}${email ? ` &lt;${escapeHtml(email)}&gt;` : ''}</button></form></li>`
  })
  const status = options.signedInAs
    ? `<p id="signed-in-as">Signed in as ${escapeHtml(displayName(options.signedInAs))}.</p><form method="post" action="/sign-out">${redirect}<button type="submit">Sign out</button></form>`
    : '<p id="signed-in-as">Not signed in.</p>'
  const error = options.error ? `<p role="alert">${escapeHtml(options.error)}</p>` : ''
  const list = rows.length
    ? `<ul>${rows.join('')}</ul>`
    : '<p>The emulator has no users yet: create or seed some first.</p>'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in: Clerk emulator</title></head>
<body><h1>Sign in (Clerk emulator)</h1>${error}${status}${list}</body></html>
`
}
