import type { ClerkUser, ClerkUsersApi } from '../clerk-api/clerk-users-api.js'
import { CLERK_FILTER_MAX } from '../clerk-api/list-users-page.js'
import { withClerkRetries } from '../clerk-api/with-clerk-retries.js'
import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { clerkRefusal } from './clerk-refusal.js'
import { createUserParams } from './create-user-params.js'
import type {
  LegacyImportItem,
  LegacyImportOptions,
  LegacyImportResult,
  LegacyUser,
  LegacyUserSource,
} from './legacy-user.js'
import { choosePasswordHasher, type PasswordHasher } from './password-hasher.js'

/** Users read from the source per step: one `external_id` lookup (and one email lookup) each. */
export const LEGACY_CHUNK_SIZE = CLERK_FILTER_MAX
/**
 * Creations in flight at once. Clerk allows 100 `POST /v1/users` per 10 s on a development
 * instance and 1,000 in production; a few at a time keeps a production import well under its
 * limit, and a 429 waits out its `Retry-After` (as Clerk's own migration script does).
 */
const CREATE_CONCURRENCY = 4
const ITEMS_KEPT = 1000

function fail(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `importLegacyUsers: ${message}`)
}

function checkOptions(options: LegacyImportOptions): void {
  if (typeof options !== 'object' || options === null)
    fail('options are required: { clerk, source }.')
  const users = (options.clerk as Partial<ClerkUsersApi> | undefined)?.users
  if (typeof users?.getUserList !== 'function' || typeof users.createUser !== 'function') {
    fail('`clerk` must be a @clerk/backend client: createClerkClient({ secretKey }).')
  }
  const source = options.source as Partial<LegacyUserSource> | undefined
  if (typeof source?.[Symbol.asyncIterator] !== 'function' || typeof source.link !== 'function') {
    fail(
      '`source` must be an async iterable of legacy users with a link(appId, clerkId) method, e.g. drizzleLegacyUsers(...) or prismaLegacyUsers(...).',
    )
  }
}

async function* chunksOf<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = []
  for await (const item of source) {
    chunk.push(item)
    if (chunk.length === size) {
      yield chunk
      chunk = []
    }
  }
  if (chunk.length) yield chunk
}

function externalIdOf(user: ClerkUser): string | null {
  const externalId = user.raw?.external_id
  return typeof externalId === 'string' ? externalId : null
}

function emailsOf(user: ClerkUser): string[] {
  return (user.raw?.email_addresses ?? []).map((e) => e.email_address.toLowerCase())
}

function isAbort(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

/** A user cleared to be created, with the hasher its digest goes with. */
interface Creation {
  index: number
  user: LegacyUser
  hasher: PasswordHasher | null
}

/**
 * Creates the app's users that have no Clerk account yet in Clerk (email, names, role in
 * `public_metadata.role`, the app's id as `external_id`, the existing password hash as
 * `password_digest` + `password_hasher`), then links each app row to its new Clerk id.
 *
 * A dry run unless `apply: true`. Safe to run again: users already in Clerk under their
 * `external_id` are skipped (and linked, when their link is missing). A taken email or a digest
 * Clerk cannot take is reported for that user, and the rest go on.
 *
 * @example
 * const result = await importLegacyUsers({
 *   clerk: createClerkClient({ secretKey }),
 *   source: drizzleLegacyUsers(db, { table: users, columns: { appId: users.id, clerkId: users.clerkId, email: users.email, emailVerified: users.emailVerified, passwordDigest: users.passwordHash } }),
 *   apply: true,
 * })
 */
export async function importLegacyUsers(options: LegacyImportOptions): Promise<LegacyImportResult> {
  checkOptions(options)
  const { clerk, source, signal, onProgress, onItem } = options
  const apply = options.apply === true
  const started = performance.now()
  const totals = { scanned: 0, created: 0, linked: 0, skipped: 0, conflicts: 0 }
  const items: LegacyImportItem[] = []
  let itemsTruncated = false
  let aborted = false

  const report = (item: LegacyImportItem): void => {
    totals.scanned++
    if (item.outcome === 'created') totals.created++
    else if (item.outcome === 'already_imported') totals.skipped++
    else if (item.outcome === 'conflict' || item.outcome === 'rejected_hash') totals.conflicts++
    if (items.length < ITEMS_KEPT) items.push(item)
    else itemsTruncated = true
    onItem?.(item)
  }
  const progress = (): void => {
    onProgress?.({
      scanned: totals.scanned,
      created: totals.created,
      skipped: totals.skipped,
      conflicts: totals.conflicts,
      elapsedMs: Math.round(performance.now() - started),
    })
  }

  async function link(appId: string, clerkId: string): Promise<void> {
    try {
      await source.link(appId, clerkId)
    } catch (error) {
      throw new ClerkSyncError(
        ErrorCode.STORE_FAILED,
        `importLegacyUsers: linking app user ${appId} to Clerk user ${clerkId} failed (the Clerk user exists; a re-run links it): ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    totals.linked++
  }

  function lookUp(params: Parameters<ClerkUsersApi['users']['getUserList']>[0]) {
    return withClerkRetries(() => clerk.users.getUserList(params), { signal })
  }

  /** Clerk ids of the given external ids that Clerk already has. */
  async function existingByExternalId(appIds: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    if (appIds.length === 0) return found
    const { data } = await lookUp({ externalId: appIds, limit: LEGACY_CHUNK_SIZE })
    for (const user of data) {
      const externalId = externalIdOf(user)
      if (externalId !== null) found.set(externalId, user.id)
    }
    return found
  }

  /** The given addresses (lower-cased) that belong to a Clerk user already. */
  async function takenEmails(emails: string[]): Promise<Set<string>> {
    const taken = new Set<string>()
    if (emails.length === 0) return taken
    const wanted = new Set(emails.map((e) => e.toLowerCase()))
    const { data } = await lookUp({ emailAddress: [...wanted], limit: LEGACY_CHUNK_SIZE })
    for (const user of data)
      for (const email of emailsOf(user)) if (wanted.has(email)) taken.add(email)
    return taken
  }

  /** Creates one user and links it; its item, or null when the run was stopped first. */
  async function create({ user, hasher }: Creation): Promise<LegacyImportItem | null> {
    let created: ClerkUser
    try {
      created = await withClerkRetries(
        () => clerk.users.createUser(createUserParams(user, hasher)),
        { signal },
      )
    } catch (error) {
      // Stopped mid-call: if Clerk created the user anyway, the next run finds and links it.
      if (isAbort(signal)) return null
      const refusal = clerkRefusal(error)
      if (refusal === null) {
        throw new ClerkSyncError(
          ErrorCode.CLERK_API_FAILED,
          `importLegacyUsers: Clerk's Backend API failed creating app user ${user.appId}; the run stopped (users done so far stay done, a re-run goes on): ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      }
      if (refusal.takenIdentifier === 'external_id') {
        // Another run created this user between the look-up and here: it is imported, link it.
        const clerkId = (await existingByExternalId([user.appId])).get(user.appId)
        if (clerkId !== undefined) {
          await link(user.appId, clerkId)
          return { appId: user.appId, outcome: 'already_imported', clerkId }
        }
      }
      return { appId: user.appId, outcome: refusal.kind, reason: refusal.reason }
    }
    await link(user.appId, created.id)
    return { appId: user.appId, outcome: 'created', clerkId: created.id }
  }

  /**
   * Creations a few at a time; the items come back in the chunk's order. After a failure no new
   * creation starts, but those in flight are waited for (and linked, and reported) before the
   * first error is thrown: the caller may close the store once this throws, and a user Clerk
   * creates after that would be neither linked nor reported.
   */
  async function createAll(creations: Creation[], slots: Array<LegacyImportItem | null>) {
    let next = 0
    let firstError: { error: unknown } | undefined
    const worker = async () => {
      while (next < creations.length && firstError === undefined && !isAbort(signal)) {
        const creation = creations[next++] as Creation
        try {
          slots[creation.index] = await create(creation)
        } catch (error) {
          firstError ??= { error }
        }
      }
    }
    await Promise.all(
      Array.from({ length: Math.min(CREATE_CONCURRENCY, creations.length) }, worker),
    )
    if (firstError !== undefined) throw firstError.error
  }

  /** One chunk; false when the run was stopped part-way through it. */
  async function importChunk(chunk: LegacyUser[]): Promise<boolean> {
    for (const user of chunk) {
      if (typeof user?.appId !== 'string' || user.appId === '') {
        fail('every legacy user needs a non-empty string appId (the app’s own id, as text).')
      }
    }
    const existing = await existingByExternalId(chunk.map((u) => u.appId))
    const newUsers = chunk.filter((u) => !existing.has(u.appId))
    const taken = await takenEmails(
      newUsers.map((u) => u.email).filter((e): e is string => typeof e === 'string' && e !== ''),
    )

    const slots: Array<LegacyImportItem | null> = chunk.map(() => null)
    const creations: Creation[] = []
    for (const [index, user] of chunk.entries()) {
      const { appId } = user
      const clerkId = existing.get(appId)
      if (clerkId !== undefined) {
        // The source lists only unlinked users: this one was created but never linked back.
        if (apply) await link(appId, clerkId)
        slots[index] = { appId, outcome: 'already_imported', clerkId }
        continue
      }
      if (typeof user.email !== 'string' || user.email === '') {
        slots[index] = { appId, outcome: 'conflict', reason: 'the user has no email address' }
        continue
      }
      if (taken.has(user.email.toLowerCase())) {
        slots[index] = {
          appId,
          outcome: 'conflict',
          reason:
            'the email address already belongs to another Clerk user (form_identifier_exists)',
        }
        continue
      }
      let hasher: PasswordHasher | null = null
      if (user.passwordDigest) {
        const decision = choosePasswordHasher(user.passwordDigest, user.passwordHasher)
        if (!decision.ok) {
          slots[index] = { appId, outcome: 'rejected_hash', reason: decision.reason }
          continue
        }
        hasher = decision.hasher
      }
      if (!apply) {
        slots[index] = { appId, outcome: 'would_create' }
        continue
      }
      creations.push({ index, user, hasher })
    }
    try {
      await createAll(creations, slots)
    } finally {
      // Also when the run fails part-way: users created and linked before it are still told.
      for (const item of slots) if (item !== null) report(item)
    }
    return !isAbort(signal)
  }

  try {
    for await (const chunk of chunksOf(source, LEGACY_CHUNK_SIZE)) {
      if (isAbort(signal)) {
        aborted = true
        break
      }
      const finished = await importChunk(chunk)
      progress()
      if (!finished) {
        aborted = true
        break
      }
    }
  } catch (error) {
    // A look-up cut short by the signal: the chunk is left for the next run.
    if (!isAbort(signal)) throw error
    aborted = true
  }
  progress()
  return {
    dryRun: !apply,
    ...totals,
    items,
    itemsTruncated,
    durationMs: Math.round(performance.now() - started),
    aborted,
  }
}
