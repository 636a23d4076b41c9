import { auth } from '@clerk/nextjs/server'

// Rendered with HTTP 403 when a page calls forbidden(): a signed-in user who is not an admin.
export default async function Forbidden() {
  const { userId } = await auth()
  return (
    <section className="refusal">
      <h1>Admins only</h1>
      <p>
        You are signed in{userId ? ` as ${userId}` : ''}, but this page is for users whose role is{' '}
        <strong>admin</strong>. Ask an admin to change your role, then reload the page, or sign in
        as another user.
      </p>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </section>
  )
}
