import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server'
import { authorizedParties } from '@/lib/authorized-parties'

// Svix calls the webhook route without a Clerk session: it must stay public, or Clerk answers in
// its place and every delivery fails. The set-role route is public here too: it authenticates its
// caller itself and answers 401/403 in JSON. The home page only links to the others.
const isPublic = createRouteMatcher(['/', '/api/webhooks(.*)', '/api/admin/set-role'])

export default clerkMiddleware(
  async (auth, request) => {
    // Signed-out visitors of any other page (the admin page) go to the sign-in page.
    if (!isPublic(request)) await auth.protect()
  },
  { authorizedParties },
)

export const config = {
  matcher: [
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
}
