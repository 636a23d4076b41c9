import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'
import { mapClerkUser } from '../mapping/map-clerk-user.js'
import { decodeCursor, encodeCursor, resolvePageLimit } from '../store/page.js'
import type { SyncedUser } from '../store/synced-user.js'
import type { UserPage, UserStore, WriteSource } from '../store/user-store.js'
import type { ClerkSync } from '../sync/create-clerk-sync.js'
import { guardStore } from '../sync/guarded-store.js'
import {
  type ClerkClientLike,
  clerkErrorStatus,
  clerkFailure,
  clerkRetryAfter,
  userJsonOf,
} from './clerk-client.js'
import { type DefaultRole, defaultRoles, type RoleDefinition } from './define-roles.js'
import { roleChangeGateOf } from './role-change-gate.js'

type PascalCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Capitalize<Head>}${PascalCase<Tail>}`
  : S extends `${infer Head}_${infer Tail}`
    ? `${Capitalize<Head>}${PascalCase<Tail>}`
    : Capitalize<S>

/** `isAdmin`, `isTrainer`, `isClient` with the defaults; `super-admin` gives `isSuperAdmin`. */
export type RoleChecks<R extends string> = {
  [K in R as `is${PascalCase<K>}`]: (userId: string) => Promise<boolean>
}

export type Source = 'store' | 'clerk'

export type BulkRoleResult<R extends string> =
  | { userId: string; ok: true; user: SyncedUser<R> }
  | { userId: string; ok: false; code: ErrorCode; reason: string }

export interface RoleManagerOptions<R extends string> {
  /** A `@clerk/backend` client: `createClerkClient({ secretKey })`. */
  clerk: ClerkClientLike
  /** The same `defineRoles(...)` the sync uses. Default: admin, trainer, client. */
  roles?: RoleDefinition<R>
  /** Where to write the user Clerk returns, so the app reads its own write at once. */
  store?: UserStore<string>
  /** The ClerkSync: its roles, store and mapping (so roles are configured once). */
  sync?: ClerkSync<R>
  /** Parallel Clerk calls in bulkSetUserRoles. Default 5. */
  concurrency?: number
  /** Attempts per Clerk call when it answers 429, waiting its Retry-After. Default 5. */
  maxAttempts?: number
}

export interface RoleManagerCore<R extends string> {
  readonly roles: RoleDefinition<R>
  /**
   * Sets `public_metadata.role` in Clerk (merge: other keys stay), writes the user Clerk returns
   * through the store with one audit entry naming the actor, and returns it. Refuses to demote the
   * last admin (LAST_ADMIN). Two admins demoting each other at the same instant can both pass this
   * check: Clerk has no transactions.
   * @example await roles.setUserRole('user_abc', 'trainer', { actor: 'user_admin' })
   */
  setUserRole(
    userId: string,
    role: R,
    options?: {
      actor?: string | null
      /**
       * Refuse (ACTOR_NOT_ADMIN) unless `actor` is an admin in Clerk at the moment the change
       * runs. The check runs where admin demotions run one at a time, so an admin demoted while
       * this call waited is refused; such calls run one at a time too (the set-role endpoint).
       */
      requireAdminActor?: boolean
    },
  ): Promise<SyncedUser<R>>
  /** The role in Clerk, the source of truth. @example await roles.getUserRole('user_abc') // 'client' */
  getUserRole(userId: string): Promise<R>
  /** @example if (await roles.hasRole(userId, 'admin')) … */
  hasRole(userId: string, role: R): Promise<boolean>
  /**
   * The role a session token claims (a custom session token carrying `{ "metadata": { "role": … } }`),
   * or null when it carries none. Fast, for page guards; such claims can be up to a minute old, so
   * the set-role endpoint never trusts them.
   * @example const role = roles.roleFromSessionClaims(auth().sessionClaims)
   */
  roleFromSessionClaims(claims: Record<string, unknown> | null | undefined): R | null
  /**
   * Many changes, a few at a time, waiting out 429s; one failure does not stop the rest.
   * @example await roles.bulkSetUserRoles([{ userId: 'user_a', role: 'trainer' }], { actor })
   */
  bulkSetUserRoles(
    changes: Array<{ userId: string; role: R }>,
    options?: { actor?: string | null },
  ): Promise<BulkRoleResult<R>[]>
  /**
   * Users with a role, a page at a time: from the synced store (default) or from Clerk, which
   * cannot query metadata, so that pages through every user, 500 at a time.
   * @example const { users, nextCursor } = await roles.getUsersByRole('trainer')
   */
  getUsersByRole(
    role: R,
    options?: { source?: Source; limit?: number; cursor?: string | null },
  ): Promise<UserPage<R>>
  /** @example await roles.getUserCountByRole() // { admin: 1, trainer: 4, client: 120 } */
  getUserCountByRole(options?: { source?: Source }): Promise<Record<R, number>>
  /** Reads the user from Clerk and writes the store: a repair. A user unknown to Clerk is USER_NOT_FOUND. */
  syncUserRole(userId: string): Promise<SyncedUser<R>>
}

export type RoleManager<R extends string = DefaultRole> = RoleManagerCore<R> & RoleChecks<R>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function checkName(role: string): string {
  return `is${role
    .split(/[-_]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`
}

/** Role helpers over Clerk's `public_metadata.role`, mirrored into the synced store. */
export function createRoleManager<R extends string = DefaultRole>(
  options: RoleManagerOptions<R>,
): RoleManager<R> {
  const { clerk, sync } = options
  if (!clerk?.users || typeof clerk.users.updateUserMetadata !== 'function') {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'createRoleManager: `clerk` must be a @clerk/backend client (createClerkClient(...)).',
    )
  }
  if (sync && (options.roles || options.store)) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'createRoleManager: pass `sync` alone; its roles and store are used (roles are configured once).',
    )
  }
  const roles = sync?.roles ?? options.roles ?? (defaultRoles as unknown as RoleDefinition<R>)
  const store = sync
    ? sync.store
    : options.store
      ? (guardStore(options.store) as UserStore<R>)
      : undefined
  const toSyncedUser = (json: ClerkUserJSON) =>
    sync ? sync.toSyncedUser(json) : Promise.resolve(mapClerkUser(json, roles))
  const roleChanges = roleChangeGateOf(sync)
  const concurrency = options.concurrency ?? 5
  const maxAttempts = options.maxAttempts ?? 5

  /** One Clerk call, waiting out 429s (Retry-After) a bounded number of times. */
  async function callClerk<T>(userId: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call()
      } catch (error) {
        if (clerkErrorStatus(error) === 429 && attempt < maxAttempts) {
          await sleep(Math.min(60, Math.max(1, clerkRetryAfter(error) ?? 1)) * 1000)
          continue
        }
        throw clerkFailure(error, userId)
      }
    }
  }

  function roleOf(json: ClerkUserJSON): R {
    const role = json.public_metadata?.role
    return roles.isRole(role) ? role : roles.defaultRole
  }

  function assertRole(role: unknown): asserts role is R {
    if (!roles.isRole(role)) {
      throw new ClerkSyncError(
        ErrorCode.ROLE_INVALID,
        `"${String(role)}" is not a role; expected one of ${roles.roles.join(', ')}`,
      )
    }
  }

  /** Every Clerk user, 500 a page (Clerk cannot filter by metadata). */
  async function allClerkUsers(): Promise<ClerkUserJSON[]> {
    const users: ClerkUserJSON[] = []
    for (let offset = 0; ; offset += 500) {
      const page = await callClerk('*', () =>
        clerk.users.getUserList({ limit: 500, offset, orderBy: '+created_at' }),
      )
      users.push(...page.data.map(userJsonOf))
      if (page.data.length < 500) return users
    }
  }

  /**
   * Writes the user Clerk returned through the store. `clerkChanged`: whether this call changed
   * Clerk (set-role) or only read it (syncUserRole's repair), so the message says what is true.
   * Each failure keeps its own code (MAP_USER_FAILED, STORE_CONFLICT, STORE_FAILED, …).
   */
  async function writeToStore(
    json: ClerkUserJSON,
    source: WriteSource,
    actor: string | null,
    clerkChanged: boolean,
    roleBefore?: R,
  ): Promise<SyncedUser<R>> {
    const fail = (step: string, error: unknown, fallback: ErrorCode): ClerkSyncError => {
      const code = error instanceof ClerkSyncError ? error.code : fallback
      const reason = error instanceof Error ? error.message : String(error)
      // Only a passing store failure heals by itself; the others fail the webhook the same way
      // until their cause is fixed, while Svix keeps retrying it.
      const catchUp =
        code === ErrorCode.STORE_FAILED
          ? 'the user.updated webhook will bring the store in line'
          : 'the user.updated webhook fails the same way until that is fixed (Svix retries it for about 28 hours)'
      const outcome = clerkChanged
        ? `Clerk has the new role for ${json.id}, but ${step} failed (${reason}); ${catchUp}`
        : `Read ${json.id} from Clerk, but ${step} failed (${reason}); the store is unchanged`
      return new ClerkSyncError(code, outcome, { cause: error })
    }
    let user: SyncedUser<R>
    try {
      user = (await toSyncedUser(json)) as SyncedUser<R>
    } catch (error) {
      throw fail('mapping the user', error, ErrorCode.MAP_USER_FAILED)
    }
    try {
      await store?.upsertUser({
        user,
        origin: { source, actor },
        ...(roleBefore !== undefined ? { roleBefore } : {}),
      })
    } catch (error) {
      throw fail('writing it to the store', error, ErrorCode.STORE_FAILED)
    }
    return user
  }

  /** Runs `run` after every earlier call queued on `queues[key]`, whatever those ended in. */
  function queued<T>(queues: Map<string, Promise<unknown>>, key: string, run: () => Promise<T>) {
    const next = (queues.get(key) ?? Promise.resolve()).then(run, run)
    const tail = next.catch(() => {})
    queues.set(key, tail)
    // Forget the queue once nothing waits on it, so the map does not grow with every user.
    void tail.then(() => queues.get(key) === tail && queues.delete(key))
    return next
  }
  /** Changes to one user, one at a time: the role read first is the role the change replaces. */
  const userQueues = new Map<string, Promise<unknown>>()
  /** Demotions of the admin role, one at a time: a bulk call must not remove every admin itself. */
  const demotionQueue = new Map<string, Promise<unknown>>()

  async function readClerkUser(userId: string): Promise<ClerkUserJSON> {
    return userJsonOf(await callClerk(userId, () => clerk.users.getUser(userId)))
  }

  /** Throws ACTOR_NOT_ADMIN unless `actor` is an admin in Clerk now (a deleted actor is not). */
  async function assertAdminActor(actor: string | null): Promise<void> {
    let role: R | null = null
    if (actor) {
      try {
        role = roleOf(await readClerkUser(actor))
      } catch (error) {
        if (!(error instanceof ClerkSyncError && error.code === ErrorCode.USER_NOT_FOUND))
          throw error
      }
    }
    if (role !== roles.adminRole) {
      throw new ClerkSyncError(
        ErrorCode.ACTOR_NOT_ADMIN,
        `${actor ?? 'No caller'} is not ${roles.adminRole} in Clerk; only ${roles.adminRole} users can change roles`,
      )
    }
  }

  async function setRole(
    userId: string,
    role: R,
    actor: string | null,
    source: WriteSource,
    requireAdminActor = false,
  ): Promise<SyncedUser<R>> {
    assertRole(role)
    const change = async (current: ClerkUserJSON) => {
      const before = roleOf(current)
      if (before === roles.adminRole && role !== roles.adminRole) {
        const admins = (await allClerkUsers()).filter((u) => roleOf(u) === roles.adminRole).length
        if (admins <= 1) {
          throw new ClerkSyncError(
            ErrorCode.LAST_ADMIN,
            `User ${userId} is the last ${roles.adminRole}; make someone else ${roles.adminRole} first`,
          )
        }
      }
      const updated = userJsonOf(
        await callClerk(userId, () =>
          clerk.users.updateUserMetadata(userId, { publicMetadata: { role } }),
        ),
      )
      // Clerk's role before the change is the audit's "from", whatever the store held.
      return writeToStore(updated, source, actor, true, before)
    }
    // In flight from Clerk's update to the store write: this process's webhook for the user
    // waits, so this write (naming the actor) lands before Clerk's echo of it.
    const apply = (current: ClerkUserJSON) =>
      roleChanges ? roleChanges.hold(userId, () => change(current)) : change(current)
    return queued(userQueues, userId, async () => {
      if (requireAdminActor) {
        // Where every admin demotion runs: a caller demoted while this call waited is seen here.
        return queued(demotionQueue, 'admin', async () => {
          await assertAdminActor(actor)
          return apply(await readClerkUser(userId))
        })
      }
      const current = await readClerkUser(userId)
      const demotesAdmin = roleOf(current) === roles.adminRole && role !== roles.adminRole
      if (!demotesAdmin) return apply(current)
      // Only a demotion can remove the last admin: those queue, and read again once it is their turn.
      return queued(demotionQueue, 'admin', async () => apply(await readClerkUser(userId)))
    })
  }

  const manager: RoleManagerCore<R> = {
    roles,
    setUserRole: (userId, role, opts = {}) =>
      setRole(userId, role, opts.actor ?? null, 'api', opts.requireAdminActor ?? false),
    async getUserRole(userId) {
      return roleOf(await readClerkUser(userId))
    },
    async hasRole(userId, role) {
      assertRole(role)
      return (await manager.getUserRole(userId)) === role
    },
    roleFromSessionClaims(claims) {
      const metadata = claims?.metadata
      const role =
        typeof metadata === 'object' && metadata !== null
          ? (metadata as Record<string, unknown>).role
          : undefined
      return roles.isRole(role) ? role : null
    },
    async bulkSetUserRoles(changes, opts = {}) {
      const results: BulkRoleResult<R>[] = new Array(changes.length)
      let next = 0
      const worker = async () => {
        for (let i = next++; i < changes.length; i = next++) {
          const { userId, role } = changes[i]!
          try {
            results[i] = {
              userId,
              ok: true,
              user: await setRole(userId, role, opts.actor ?? null, 'bulk'),
            }
          } catch (error) {
            const e = error instanceof ClerkSyncError ? error : clerkFailure(error, userId)
            results[i] = { userId, ok: false, code: e.code, reason: e.message }
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, changes.length) }, worker))
      return results
    },
    async getUsersByRole(role, opts = {}) {
      assertRole(role)
      if ((opts.source ?? 'store') === 'store') {
        if (!store)
          throw new ClerkSyncError(
            ErrorCode.CONFIG_INVALID,
            'getUsersByRole: no store given; use { source: "clerk" } or pass `store`/`sync`.',
          )
        return store.listUsers({ role, limit: opts.limit, cursor: opts.cursor })
      }
      const limit = resolvePageLimit(opts.limit)
      const start = Number(decodeCursor(opts.cursor) ?? 0)
      const matching = (await allClerkUsers()).filter((u) => roleOf(u) === role)
      const page = matching.slice(start, start + limit)
      const users = await Promise.all(
        page.map(async (json) => (await toSyncedUser(json)) as SyncedUser<R>),
      )
      return {
        users,
        nextCursor: start + limit < matching.length ? encodeCursor(String(start + limit)) : null,
      }
    },
    async getUserCountByRole(opts = {}) {
      const counts = Object.fromEntries(roles.roles.map((r) => [r, 0])) as Record<R, number>
      if ((opts.source ?? 'store') === 'store') {
        if (!store)
          throw new ClerkSyncError(
            ErrorCode.CONFIG_INVALID,
            'getUserCountByRole: no store given; use { source: "clerk" } or pass `store`/`sync`.',
          )
        const stored = await store.countUsersByRole()
        for (const [role, n] of Object.entries(stored))
          if (roles.isRole(role)) counts[role] = n as number
        return counts
      }
      for (const user of await allClerkUsers()) counts[roleOf(user)]++
      return counts
    },
    async syncUserRole(userId) {
      // A 404 is not taken as a deletion: tombstones are forever, and the client might point at
      // another instance. Deletions arrive as user.deleted.
      return writeToStore(await readClerkUser(userId), 'sync', null, false)
    },
  }

  const checks: Record<string, (userId: string) => Promise<boolean>> = {}
  for (const role of roles.roles) {
    const name = checkName(role)
    if (name in checks || name in manager) {
      throw new ClerkSyncError(
        ErrorCode.CONFIG_INVALID,
        `createRoleManager: role "${role}" makes ${name}, which another role or helper already has; rename one.`,
      )
    }
    checks[name] = (userId) => manager.hasRole(userId, role)
  }
  return Object.assign(manager, checks) as RoleManager<R>
}
