import { setRoleHandler } from '@clerk-sync/next'
import { authorizedParties } from '@/lib/authorized-parties'
import { roleManager } from '@/lib/sync'

// The caller comes from @clerk/nextjs's auth(), which proxy.ts (clerkMiddleware) prepares; the
// route answers 401/403 itself, in JSON, which the admin page shows as it is.
export const POST = setRoleHandler(roleManager, { authorizedParties })
