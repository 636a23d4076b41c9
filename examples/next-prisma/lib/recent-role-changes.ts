import { prisma } from '@/lib/prisma'

export interface RoleChange {
  id: string
  at: Date
  targetUserId: string
  targetEmail: string | null
  fromRole: string | null
  toRole: string
  actor: string | null
  actorEmail: string | null
  source: string
}

/**
 * The latest role changes, newest first, with the emails of the users involved. Read through the
 * app's own Prisma client rather than `store.listAuditEntries()`, which pages oldest first: the
 * newest page would take paging through the whole log, where this is one indexed query.
 */
export async function recentRoleChanges(limit = 20): Promise<RoleChange[]> {
  const entries = await prisma.clerkSyncRoleAudit.findMany({ orderBy: { id: 'desc' }, take: limit })
  const ids = new Set<string>()
  for (const entry of entries) {
    ids.add(entry.targetUserId)
    if (entry.actor) ids.add(entry.actor)
  }
  const users = await prisma.clerkSyncUser.findMany({
    where: { id: { in: [...ids] } },
    select: { id: true, email: true },
  })
  const emailOf = new Map(users.map((user) => [user.id, user.email]))
  return entries.map((entry) => ({
    id: entry.id.toString(),
    at: entry.at,
    targetUserId: entry.targetUserId,
    targetEmail: emailOf.get(entry.targetUserId) ?? null,
    fromRole: entry.fromRole,
    toRole: entry.toRole,
    actor: entry.actor,
    actorEmail: entry.actor ? (emailOf.get(entry.actor) ?? null) : null,
    source: entry.source,
  }))
}
