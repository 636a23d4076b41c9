import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server'

// Svix calls the webhook routes without a Clerk session: they must stay public, or Clerk answers
// in their place and every delivery fails.
// The set-role route is public here too: it authenticates its caller itself and answers 401/403.
const isPublic = createRouteMatcher([
  '/api/webhooks(.*)',
  '/api/edge-webhooks(.*)',
  '/api/pages-webhooks(.*)',
  '/api/parsed-webhooks(.*)',
  '/api/admin/set-role',
])

export default clerkMiddleware(async (auth, request) => {
  if (!isPublic(request)) await auth.protect()
})

export const config = {
  matcher: [
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
}
