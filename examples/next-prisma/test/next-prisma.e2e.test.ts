import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createClerkClient } from '@clerk/backend'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { type StartedApp, startApp } from './start-app.js'
import { navigate } from './support/browser-navigation.js'
import { appDir, cleanEnv } from './support/build-app.js'

const skip = await postgresUnavailable()

interface UserRow {
  id: string
  email: string | null
  role: string
}
interface AuditRow {
  actor: string | null
  from_role: string | null
  to_role: string
  source: string
}

describe.skipIf(skip)('examples/next-prisma after next build / next start, on Postgres', () => {
  let app: StartedApp
  let admin: string
  let member: string
  let target: string

  const userRow = async (id: string) =>
    (
      await app.database.query<UserRow>(
        'select id, email, role from clerk_sync_users where id = $1',
        [id],
      )
    )[0]

  // As a browser's session on the app's origin has it: with APP_URL set (authorizedParties),
  // clerkMiddleware counts a token without this `azp` as signed out, as Clerk does.
  const sessionOf = (userId: string) => app.clerk.sessionToken(userId, { azp: app.baseUrl })

  const setRole = (token: string | undefined, body: unknown) =>
    fetch(`${app.baseUrl}/api/admin/set-role`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    })

  const adminPage = (token: string | undefined, query = '') =>
    fetch(`${app.baseUrl}/admin/users${query}`, {
      redirect: 'manual',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    })

  beforeAll(async () => {
    app = await startApp()
    const api = createClerkClient({ apiUrl: app.clerk.apiUrl, secretKey: app.clerk.secretKey })
    admin = (
      await api.users.createUser({
        emailAddress: ['boss@example.com'],
        firstName: 'Bea',
        lastName: 'Boss',
        publicMetadata: { role: 'admin' },
      })
    ).id
    member = (await api.users.createUser({ emailAddress: ['member@example.com'] })).id
    target = (await api.users.createUser({ emailAddress: ['target@example.com'] })).id
    await app.clerk.flush()
  }, 600_000)

  afterAll(async () => {
    await app?.stop()
  })

  it("lands the emulator's deliveries in Postgres through the webhook route", async () => {
    expect(app.clerk.deliveries().filter((attempt) => !attempt.ok)).toEqual([])
    expect(await userRow(admin)).toMatchObject({ email: 'boss@example.com', role: 'admin' })
    expect(await userRow(member)).toMatchObject({ email: 'member@example.com', role: 'client' })
    expect(await userRow(target)).toMatchObject({ email: 'target@example.com', role: 'client' })
  })

  it('refuses a non-admin (403) and a token minted for another origin (401); nothing changes', async () => {
    const refused = await setRole(sessionOf(member), {
      targetUserId: target,
      role: 'trainer',
    })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({
      success: false,
      error: { code: 'forbidden', message: 'Only admin users can change roles' },
    })
    const elsewhere = await setRole(
      app.clerk.sessionToken(admin, { azp: 'https://evil.example' }),
      {
        targetUserId: target,
        role: 'trainer',
      },
    )
    expect(elsewhere.status).toBe(401)
    expect(app.clerk.user(target)?.public_metadata.role).toBeUndefined()
    expect(await userRow(target)).toMatchObject({ role: 'client' })
  })

  it("changes the role for an admin: Clerk, the row and the audit log agree, also after Clerk's user.updated", async () => {
    const response = await setRole(sessionOf(admin), {
      targetUserId: target,
      role: 'trainer',
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      success: true,
      message: 'User role updated to trainer',
      user: { id: target, role: 'trainer' },
    })
    expect(app.clerk.user(target)?.public_metadata.role).toBe('trainer')
    expect(await userRow(target)).toMatchObject({ role: 'trainer' })
    const audit = await app.database.query<AuditRow>(
      'select actor, from_role, to_role, source from clerk_sync_role_audit where target_user_id = $1 order by id',
      [target],
    )
    expect(audit).toEqual([
      { actor: admin, from_role: 'client', to_role: 'trainer', source: 'api' },
    ])

    // The user.updated the change caused, back through the webhook route: applied, no new entry.
    await app.clerk.flush()
    expect(app.clerk.deliveries().filter((attempt) => !attempt.ok)).toEqual([])
    expect(await userRow(target)).toMatchObject({ role: 'trainer' })
    expect(
      await app.database.query('select id from clerk_sync_role_audit where target_user_id = $1', [
        target,
      ]),
    ).toHaveLength(1)
  })

  it('renders /admin/users for an admin: users, roles, counts per role, the audit log', async () => {
    const response = await adminPage(sessionOf(admin))
    expect(response.status).toBe(200)
    const html = await response.text()
    for (const email of ['boss@example.com', 'member@example.com', 'target@example.com'])
      expect(html).toContain(email)
    expect(html).toContain('Signed in as <strong>boss@example.com</strong>')
    // The way to the sign-in page (to switch user), back to this page.
    const signIn = `${app.clerk.signInUrl}?redirect_url=${encodeURIComponent(`${app.baseUrl}/admin/users`)}`
    expect(html).toContain(`href="${signIn.replaceAll('&', '&amp;')}">Sign in / switch user</a>`)
    expect(html).toMatch(/data-role-count="admin">1</)
    expect(html).toMatch(/data-role-count="trainer">1</)
    expect(html).toMatch(/data-role-count="client">1</)
    // The target's row: its selector shows trainer.
    const targetRow = html.slice(html.indexOf(`data-user-id="${target}"`)).split('</tr>')[0]
    expect(targetRow).toContain('aria-label="Role of target@example.com"')
    expect(targetRow).toMatch(/<option value="trainer" selected="">/)
    // The audit row of the change, by the admin.
    const auditRow = html.slice(html.indexOf(`data-audit-target="${target}"`)).split('</tr>')[0]
    expect(auditRow).toContain('client<!-- --> → <strong>trainer</strong>')
    expect(auditRow).toContain('boss@example.com')
  })

  it('filters by role with ?role=', async () => {
    const html = await (await adminPage(sessionOf(admin), '?role=client')).text()
    expect(html).toContain('member@example.com')
    expect(html).not.toContain(`data-user-id="${target}"`)
    expect(html).not.toContain(`data-user-id="${admin}"`)
  })

  it('says so when ?role= names no role, and shows every user', async () => {
    const html = await (await adminPage(sessionOf(admin), '?role=bogus')).text()
    expect(html).toContain('There is no role “bogus”; showing every user.')
    for (const id of [admin, member, target]) expect(html).toContain(`data-user-id="${id}"`)
  })

  it('shows the first page for a page link no store issued', async () => {
    const response = await adminPage(sessionOf(admin), '?cursor=not!a!cursor')
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('That page link is not valid; showing the first page.')
    expect(html).toContain(`data-user-id="${member}"`)
  })

  it('refuses a signed-in non-admin with a 403 page, and shows no user', async () => {
    const response = await adminPage(sessionOf(member))
    expect(response.status).toBe(403)
    const html = await response.text()
    // Next serves forbidden() from a dynamic page as its error shell with the React payload, which
    // the browser renders (admin-page.browser.test.ts sees the page): the words are in the payload.
    expect(html).toContain('id="__next_error__"')
    expect(html).toContain('Admins only')
    expect(html).toContain('or sign in as another user')
    expect(html).toContain(` as ${member}`)
    expect(html).not.toContain('target@example.com')
  })

  it("counts an admin's token minted for another origin, or for none, as signed out", async () => {
    for (const token of [
      app.clerk.sessionToken(admin, { azp: 'https://evil.example' }),
      app.clerk.sessionToken(admin),
    ]) {
      const response = await adminPage(token)
      expect(response.status).toBe(307)
      expect(response.headers.get('location')).toBe(
        `${app.clerk.signInUrl}?redirect_url=${encodeURIComponent(`${app.baseUrl}/admin/users`)}`,
      )
      expect(await response.text()).not.toContain('target@example.com')
    }
  })

  it("sends a signed-out browser through Clerk's handshake to the emulator's sign-in page", async () => {
    const { steps, finalUrl } = await navigate(`${app.baseUrl}/admin/users`)
    // The handshake (no __clerk_db_jwt yet), back to the app with its cookies, then to sign-in.
    expect(steps[0]?.location).toMatch(
      new RegExp(`^${app.clerk.frontendApiUrl}/v1/client/handshake\\?`),
    )
    expect(new URL(finalUrl).origin + new URL(finalUrl).pathname).toBe(app.clerk.signInUrl)
    expect(new URL(finalUrl).searchParams.get('redirect_url')).toBe(`${app.baseUrl}/admin/users`)
    expect(steps.at(-1)?.status).toBe(200)
    // The app itself never answered with a page.
    expect(steps.filter((step) => step.url.startsWith(app.baseUrl) && step.status === 200)).toEqual(
      [],
    )
  })

  it('scripts/migrate.mjs run again applies nothing', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(appDir, 'scripts', 'migrate.mjs')],
      { env: { ...cleanEnv(), DATABASE_URL: app.database.url } },
    )
    expect(stdout.trim()).toBe('database schema up to date')
    const applied = await app.database.query<{ name: string }>(
      'select name from app_migrations order by name',
    )
    expect(applied.map((row) => row.name)).toEqual(['0000_clerk_sync', '0001_prev_role'])
  })

  // Last: it adds users the counts above do not expect.
  it('pages through the users 50 at a time, the filter kept', async () => {
    const api = createClerkClient({ apiUrl: app.clerk.apiUrl, secretKey: app.clerk.secretKey })
    for (let n = 0; n < 50; n++)
      await api.users.createUser({ emailAddress: [`client${n}@example.com`] })
    await app.clerk.flush()
    const rows = (html: string) => html.match(/data-user-id="user_\w+"/g) ?? []

    const first = await (await adminPage(sessionOf(admin), '?role=client')).text()
    expect(rows(first)).toHaveLength(50)
    const next = first.match(/href="(\/admin\/users\?role=client&amp;cursor=[^"]+)">Next 50/)
    expect(next).not.toBeNull()
    const second = await (
      await adminPage(
        sessionOf(admin),
        next![1]!.replace('/admin/users', '').replaceAll('&amp;', '&'),
      )
    ).text()
    // 51 clients in all (the member and the 50 new ones); none twice, and no admin or trainer.
    expect(rows(second)).toHaveLength(1)
    expect(new Set([...rows(first), ...rows(second)]).size).toBe(51)
    expect(second).not.toContain('Next 50')
    expect([...rows(first), ...rows(second)]).not.toContain(`data-user-id="${target}"`)
  })
})
