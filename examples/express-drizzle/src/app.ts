import type { ClerkClient } from '@clerk/backend'
import { clerkMiddleware, getAuth } from '@clerk/express'
import type { Logger, RoleManager } from '@clerk-sync/core'
import { clerkSyncWebhook, setRoleHandler } from '@clerk-sync/express'
import { asc, count, eq } from 'drizzle-orm'
import express, { type Express, type Request, type Response } from 'express'
import type { AppDatabase } from './db.js'
import { posts, users } from './schema.js'
import type { AppRole, AppSync } from './sync.js'

export interface AppDependencies {
  db: AppDatabase
  sync: AppSync
  roleManager: RoleManager<AppRole>
  /** The app's `@clerk/backend` client (built with `apiUrl`), shared with clerkMiddleware. */
  clerk: ClerkClient
  publishableKey: string
  secretKey: string
  /** The emulator's Backend API in development; unset for Clerk's. */
  apiUrl?: string | undefined
  /** The app's origins (APP_URL): a session token must name one as its `azp`; unset: any. */
  authorizedParties?: string[] | undefined
  logger?: Logger
}

/**
 * The app. Mount order matters:
 * 1. the webhook route first: its signature covers the raw bytes Clerk sent, which
 *    `express.json()` would consume; and Svix sends no session, so Clerk's middleware has
 *    nothing to do there;
 * 2. `clerkMiddleware()`, which reads the session (cookie or `Authorization: Bearer`);
 * 3. `express.json()` for the app's own routes, set-role included (it has no signature to keep).
 */
export function createApp(deps: AppDependencies): Express {
  const { db, sync, roleManager } = deps
  const app = express()

  app.post('/api/webhooks', clerkSyncWebhook(sync))

  app.use(
    clerkMiddleware({
      clerkClient: deps.clerk,
      publishableKey: deps.publishableKey,
      secretKey: deps.secretKey,
      ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
      ...(deps.authorizedParties ? { authorizedParties: deps.authorizedParties } : {}),
    }),
  )
  app.use(express.json())

  // The caller must be an admin in Clerk at the moment of the change (checked by the role manager).
  app.post(
    '/api/admin/set-role',
    setRoleHandler(roleManager, {
      ...(deps.authorizedParties ? { authorizedParties: deps.authorizedParties } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    }),
  )

  app.get('/users', async (req, res) => {
    const caller = await callerRow(req, res)
    if (!caller) return
    // A read: the synced role in the app's own table is enough (no Clerk call per request).
    if (caller.role !== sync.roles.adminRole) {
      res.status(403).json({ error: `Only ${sync.roles.adminRole} users can list users` })
      return
    }
    const role = req.query.role
    if (role !== undefined && !(typeof role === 'string' && sync.roles.isRole(role))) {
      res.status(400).json({ error: `role must be one of ${sync.roles.roles.join(', ')}` })
      return
    }
    const rows = await db
      .select({
        id: users.id,
        email: users.email,
        firstName: users.firstName,
        lastName: users.lastName,
        role: users.role,
        createdAt: users.createdAt,
        posts: count(posts.id),
      })
      .from(users)
      .leftJoin(posts, eq(posts.userId, users.id))
      .where(role === undefined ? undefined : eq(users.role, role))
      .groupBy(users.id)
      .orderBy(asc(users.createdAt), asc(users.id))
    res.json({ users: rows })
  })

  app.post('/posts', async (req, res) => {
    const caller = await callerRow(req, res)
    if (!caller) return
    const title: unknown = req.body?.title
    if (typeof title !== 'string' || title.trim() === '') {
      res.status(400).json({ error: 'title is required' })
      return
    }
    const [post] = await db.insert(posts).values({ userId: caller.id, title }).returning()
    res.status(201).json({ post })
  })

  return app

  /**
   * The signed-in caller's row, or an answer: 401 without a session, 409 while the
   * `user.created` webhook that brings a new user's row has not landed yet.
   */
  async function callerRow(req: Request, res: Response) {
    const { userId } = getAuth(req)
    if (!userId) {
      res.status(401).json({ error: 'Sign in first' })
      return undefined
    }
    const [row] = await db.select().from(users).where(eq(users.id, userId))
    if (!row) res.status(409).json({ error: 'Your account is not synced yet; try again shortly' })
    return row
  }
}
