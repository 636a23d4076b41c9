import { auth } from '@clerk/nextjs/server'
import { forbidden } from 'next/navigation'
import { checkAdmin } from '@/lib/admin-check'
import { recentRoleChanges } from '@/lib/recent-role-changes'
import { sync } from '@/lib/sync'
import { RoleSelect } from './role-select'

const PAGE_SIZE = 50

type SearchParams = Promise<Record<string, string | string[] | undefined>>

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)

const when = (at: Date) => `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`

function filterHref(role: string | undefined): string {
  return role ? `/admin/users?role=${encodeURIComponent(role)}` : '/admin/users'
}

/**
 * The stores refuse a cursor they never issued with a RangeError (thrown as is, or as the cause of
 * the store's error); the limit here is always valid, so that is the only RangeError listUsers
 * throws. Anything else (the database down, tables missing) is a real failure.
 */
function isRefusedCursor(error: unknown): boolean {
  return (
    error instanceof RangeError || (error instanceof Error && error.cause instanceof RangeError)
  )
}

/** One page of users; the first one when the cursor in the link is not one the store issued. */
async function usersPage(
  role: (typeof sync.roles.roles)[number] | undefined,
  cursor: string | null,
) {
  try {
    return {
      page: await sync.store.listUsers({ role, limit: PAGE_SIZE, cursor }),
      cursorRefused: false,
    }
  } catch (error) {
    // A hand-edited link: start over.
    if (!cursor || !isRefusedCursor(error)) throw error
    return { page: await sync.store.listUsers({ role, limit: PAGE_SIZE }), cursorRefused: true }
  }
}

export default async function AdminUsersPage({ searchParams }: { searchParams: SearchParams }) {
  const check = await checkAdmin()
  // To NEXT_PUBLIC_CLERK_SIGN_IN_URL (or Clerk's Account Portal), coming back here after.
  if (check.kind === 'signed-out') return (await auth()).redirectToSignIn()
  if (check.kind === 'not-admin') forbidden()

  const roles = sync.roles.roles
  const params = await searchParams
  const requestedRole = first(params.role) || undefined
  const role = roles.find((name) => name === requestedRole)
  const cursor = first(params.cursor) || null

  const [{ page, cursorRefused }, counts, changes, me] = await Promise.all([
    usersPage(role, cursor),
    sync.store.countUsersByRole(),
    recentRoleChanges(),
    sync.store.getUser(check.userId),
  ])
  const total = roles.reduce((sum, name) => sum + (counts[name] ?? 0), 0)

  return (
    <>
      <p className="signed-in">
        Signed in as <strong>{me?.email ?? check.userId}</strong> (admin)
      </p>
      <h1>Users and roles</h1>

      <nav className="role-filter" aria-label="Filter by role">
        <a href={filterHref(undefined)} aria-current={role ? undefined : 'page'}>
          All <span className="count">{total}</span>
        </a>
        {roles.map((name) => (
          <a key={name} href={filterHref(name)} aria-current={role === name ? 'page' : undefined}>
            {name}{' '}
            <span className="count" data-role-count={name}>
              {counts[name] ?? 0}
            </span>
          </a>
        ))}
      </nav>
      {cursorRefused ? (
        <p className="notice">That page link is not valid; showing the first page.</p>
      ) : null}
      {requestedRole && !role ? (
        <p className="notice">
          {`There is no role “${requestedRole}”; showing every user. Roles: ${roles.join(', ')}.`}
        </p>
      ) : null}

      <table className="users">
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Clerk user id</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {page.users.map((user) => {
            const name = [user.firstName, user.lastName].filter(Boolean).join(' ')
            return (
              <tr key={user.id} data-user-id={user.id}>
                <td>{user.email ?? '—'}</td>
                <td>{name || '—'}</td>
                <td>
                  <code>{user.id}</code>
                </td>
                <td>
                  {user.id === check.userId ? (
                    // The set-role route refuses changing one's own role; say so up front.
                    <span className="own-role">{user.role} (you)</span>
                  ) : (
                    <RoleSelect
                      userId={user.id}
                      label={user.email ?? user.id}
                      role={user.role}
                      roles={roles}
                    />
                  )}
                </td>
              </tr>
            )
          })}
          {page.users.length === 0 ? (
            <tr>
              <td colSpan={4} className="empty">
                No {role ? `${role} ` : ''}users synced yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {page.nextCursor ? (
        <p>
          <a
            href={`/admin/users?${new URLSearchParams({ ...(role ? { role } : {}), cursor: page.nextCursor })}`}
          >
            {`Next ${PAGE_SIZE} →`}
          </a>
        </p>
      ) : null}

      <h2>Recent role changes</h2>
      <table className="audit">
        <thead>
          <tr>
            <th>When</th>
            <th>User</th>
            <th>Change</th>
            <th>By</th>
            <th>Through</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((change) => (
            <tr key={change.id} data-audit-target={change.targetUserId}>
              <td>{when(change.at)}</td>
              <td>{change.targetEmail ?? change.targetUserId}</td>
              <td>
                {change.fromRole ?? '(none)'} → <strong>{change.toRole}</strong>
              </td>
              <td>{change.actor ? (change.actorEmail ?? change.actor) : 'Clerk'}</td>
              <td>{change.source}</td>
            </tr>
          ))}
          {changes.length === 0 ? (
            <tr>
              <td colSpan={5} className="empty">
                No role changes yet.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </>
  )
}
