import { clerkMiddleware } from '@clerk/nextjs/server'
import { authorizedParties } from '@/lib/authorized-parties'

// clerkMiddleware reads the session (and runs Clerk's handshake) for every request; it protects
// nothing by path. Each page and route checks the caller itself, as Clerk recommends over route
// matchers: the admin page sends signed-out visitors to sign in and answers non-admins 403, the
// set-role route answers 401/403 in JSON. So the webhook route, which Svix calls without a
// session, stays reachable: no path list to forget it in.
export default clerkMiddleware({ authorizedParties })

export const config = {
  matcher: [
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)',
    '/(api|trpc)(.*)',
  ],
}
