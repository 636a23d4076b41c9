import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClerkClient } from '@clerk/backend'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chromiumUnavailable,
  type LaunchedChromium,
  launchChromium,
} from '../../../test-support/browser/launch-chromium.js'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { type StartedApp, startApp } from './start-app.js'

/**
 * The admin page in headless Chromium, against the built app (`next build` + `next start`), the
 * emulator and Postgres. Nobody is signed in by hand: the browser goes through clerkMiddleware's
 * handshake and the emulator's sign-in page, exactly as it would through Clerk's.
 */

const screenshotPath =
  process.env.CLERK_SYNC_SCREENSHOT ?? join(tmpdir(), 'clerk-sync-admin-users.png')

const unavailable = chromiumUnavailable() || (await postgresUnavailable())

interface SeededUser {
  id: string
  email: string
}

describe.skipIf(unavailable)('the admin page in a browser', () => {
  let app: StartedApp
  let browser: LaunchedChromium<BrowserContext>
  let admin: SeededUser
  let promoted: SeededUser
  let client: SeededUser

  beforeAll(async () => {
    app = await startApp({
      envFrom: (clerk) => ({
        // The emulator's Frontend API speaks http: Clerk's documented setting for a Frontend API
        // served elsewhere, so the handshake goes there instead of https://<host from the key>.
        NEXT_PUBLIC_CLERK_PROXY_URL: clerk.frontendApiUrl,
        NEXT_PUBLIC_CLERK_SIGN_IN_URL: clerk.signInUrl,
      }),
    })
    // Through the Backend API, so the user.created webhooks land in the app's database.
    const clerkClient = createClerkClient({
      apiUrl: app.clerk.apiUrl,
      secretKey: app.clerk.secretKey,
      telemetry: { disabled: true },
    })
    const create = async (email: string, firstName: string, role?: string) => {
      const user = await clerkClient.users.createUser({
        emailAddress: [email],
        firstName,
        lastName: 'Browser',
        ...(role ? { publicMetadata: { role } } : {}),
      })
      return { id: user.id, email }
    }
    admin = await create('ada@example.com', 'Ada', 'admin')
    promoted = await create('grace@example.com', 'Grace')
    client = await create('alan@example.com', 'Alan')
    await app.clerk.flush()
    const rows = await app.database.query<{ id: string }>('SELECT id FROM clerk_sync_users')
    expect(rows.map((row) => row.id).sort()).toEqual([admin.id, promoted.id, client.id].sort())
    browser = await launchChromium(chromium)
  }, 600_000)

  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  async function signInThroughEmulator(page: Page, email: string) {
    // Signed out, the admin page sends the browser to the emulator's sign-in page.
    await page.goto(`${app.baseUrl}/admin/users`)
    expect(page.url().startsWith(app.clerk.signInUrl)).toBe(true)
    await page.getByRole('button', { name: new RegExp(`<${email}>`) }).click()
    await page.waitForURL(`${app.baseUrl}/admin/users`)
  }

  it('an admin signs in, changes a role with the selector, and the page, the database and Clerk show it', async () => {
    const page = await browser.context.newPage()
    await signInThroughEmulator(page, admin.email)
    await expect.poll(() => page.locator('h1').textContent()).toBe('Users and roles')
    expect(await page.locator('.signed-in').textContent()).toContain(`${admin.email} (admin)`)
    expect(await page.locator('[data-role-count="trainer"]').textContent()).toBe('0')

    const row = page.locator(`tr[data-user-id="${promoted.id}"]`)
    await row.getByRole('combobox').selectOption('trainer')
    await row.getByRole('button', { name: 'Save' }).click()
    await expect
      .poll(() => row.locator('output').textContent(), { timeout: 15_000 })
      .toMatch(/trainer/)

    // Clerk holds the new role at once; the user.updated webhook brings it back to the row.
    expect(app.clerk.user(promoted.id)?.public_metadata.role).toBe('trainer')
    await app.clerk.flush()
    const [stored] = await app.database.query<{ role: string }>(
      'SELECT role FROM clerk_sync_users WHERE id = $1',
      [promoted.id],
    )
    expect(stored?.role).toBe('trainer')
    const audit = await app.database.query<{ actor: string; to_role: string }>(
      'SELECT actor, to_role FROM clerk_sync_role_audit WHERE target_user_id = $1',
      [promoted.id],
    )
    expect(audit).toContainEqual(expect.objectContaining({ actor: admin.id, to_role: 'trainer' }))

    // A fresh load shows what the database holds: the role, the count, the audit line.
    await page.reload()
    expect(await row.getByRole('combobox').inputValue()).toBe('trainer')
    expect(await page.locator('[data-role-count="trainer"]').textContent()).toBe('1')
    expect(
      await page.locator(`.audit tr[data-audit-target="${promoted.id}"]`).first().textContent(),
    ).toContain('trainer')
    await page.screenshot({ path: screenshotPath, fullPage: true })
    console.log(`Admin page screenshot: ${screenshotPath}`)
    await page.close()
  }, 120_000)

  it('a user who is not an admin signs in and is refused, by the page and by the set-role route', async () => {
    const page = await browser.context.newPage()
    // End the admin's session at the emulator first; back on the app, it is signed out.
    await page.goto(
      `${app.clerk.frontendApiUrl}/sign-out?redirect_url=${encodeURIComponent(`${app.baseUrl}/`)}`,
    )
    expect(page.url()).toBe(`${app.baseUrl}/`)

    await signInThroughEmulator(page, client.email)
    expect(await page.locator('h1').textContent()).toBe('Admins only')
    expect(await page.locator('.refusal').textContent()).toContain(client.id)
    expect(await page.locator('table.users').count()).toBe(0)
    const reload = await page.reload()
    expect(reload?.status()).toBe(403)

    const answer = await page.evaluate(async (targetUserId) => {
      const response = await fetch('/api/admin/set-role', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ targetUserId, role: 'admin' }),
      })
      return { status: response.status }
    }, client.id)
    expect(answer.status).toBe(403)
    expect(app.clerk.user(client.id)?.public_metadata.role).toBeUndefined()
    await page.close()
  }, 120_000)
})
