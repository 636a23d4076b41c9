import { setRoleHandler } from '@clerk-sync/next'
import { roleManager } from '@/lib/sync'

// The caller comes from @clerk/nextjs's auth(), which proxy.ts (clerkMiddleware) prepares.
// Sessions from browsers on other origins (their `azp`) count as signed out.
export const POST = setRoleHandler(roleManager, {
  authorizedParties: ['http://localhost:3000'],
})
