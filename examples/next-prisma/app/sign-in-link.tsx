import { headers } from 'next/headers'

/**
 * A link to the sign-in page set in NEXT_PUBLIC_CLERK_SIGN_IN_URL (the page clerkMiddleware sends
 * signed-out visitors to), coming back to the admin page. On the emulator's page one also switches
 * user or signs out. Unset (Clerk's Account Portal), no link: the admin page itself leads there.
 */
export async function SignInLink() {
  const signInUrl = process.env.NEXT_PUBLIC_CLERK_SIGN_IN_URL
  if (!signInUrl) return null
  const request = await headers()
  const origin = `${request.get('x-forwarded-proto') ?? 'http'}://${request.get('host')}`
  const url = new URL(signInUrl)
  url.searchParams.set('redirect_url', `${origin}/admin/users`)
  return <a href={url.toString()}>Sign in / switch user</a>
}
