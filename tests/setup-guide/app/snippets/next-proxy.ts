// #region next-proxy
// proxy.ts (middleware.ts before Next 16): reads the session on every request, protects nothing
// by path, so the webhook route needs no entry in any list.
import { clerkMiddleware } from '@clerk/nextjs/server'

export default clerkMiddleware()

export const config = {
  matcher: [
    '/((?!_next|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico)).*)',
    '/(api|trpc)(.*)',
  ],
}
// #endregion next-proxy
