import { setRoleHandler } from '@clerk-sync/next'
import { authorizedParties } from '@/lib/authorized-parties'
import { roleManager } from '@/lib/sync'

// The caller comes from @clerk/nextjs's auth(), which proxy.ts (clerkMiddleware) prepares; the
// handler answers 401/403 itself. With APP_URL set, a session whose `azp` names another origin
// counts as signed out.
export const POST = setRoleHandler(roleManager, { authorizedParties })
