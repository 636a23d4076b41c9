export default function HomePage() {
  return (
    <>
      <h1>Clerk users, synced into Postgres</h1>
      <p>
        Clerk's webhooks arrive at <code>POST /api/webhooks</code> and keep the{' '}
        <code>clerk_sync_users</code> table in step through Prisma. Admins change roles at{' '}
        <code>POST /api/admin/set-role</code>, or on the admin page.
      </p>
      <p>
        <a className="button" href="/admin/users">
          Open the admin page
        </a>{' '}
        (you are sent to sign in first; with the local emulator, its sign-in page lets you pick a
        user).
      </p>
    </>
  )
}
