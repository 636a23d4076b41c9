import { clerkMiddleware } from '@clerk/nextjs/server'

// clerkMiddleware reads the session (and runs Clerk's handshake) for every request; it protects
// nothing by path. Each route checks its caller itself, as Clerk recommends over route matchers
// (createRouteMatcher is deprecated in @clerk/nextjs 7): the set-role route answers 401/403 in
// JSON. So the webhook routes, which Svix calls without a session, stay reachable: no path list
// to forget them in.
export default clerkMiddleware()

export const config = {
  matcher: [
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
}
