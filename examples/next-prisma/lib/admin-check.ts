import { auth } from '@clerk/nextjs/server'
import { ErrorCode, isClerkSyncError } from '@clerk-sync/core'
import { roleManager } from '@/lib/sync'

export type AdminCheck =
  | { kind: 'signed-out' }
  | { kind: 'not-admin'; userId: string; role: string }
  | { kind: 'admin'; userId: string }

/**
 * Who is looking at the admin page. The caller's role is read from Clerk (roleManager), not from
 * the synced table or the session's claims: the page lists every user's email, so an admin who
 * was just demoted must lose it at once, not when the `user.updated` webhook lands; and it is the
 * rule the set-role route applies, so the page never offers a change the route would refuse. The
 * cost is one Backend API call per page view.
 */
export async function checkAdmin(): Promise<AdminCheck> {
  const { userId } = await auth()
  if (!userId) return { kind: 'signed-out' }
  try {
    const role = await roleManager.getUserRole(userId)
    return role === roleManager.roles.adminRole
      ? { kind: 'admin', userId }
      : { kind: 'not-admin', userId, role }
  } catch (error) {
    // A session of a user deleted from Clerk is no session.
    if (isClerkSyncError(error, ErrorCode.USER_NOT_FOUND)) return { kind: 'signed-out' }
    throw error
  }
}
