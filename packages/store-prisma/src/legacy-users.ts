import { ClerkSyncError, ErrorCode, type LegacyUser, type LegacyUserSource } from '@clerk-sync/core'
import { isEmailVerified } from '@clerk-sync/core/store-kit'
import { clientSchema } from './prisma-like.js'
import { parseModelFields } from './user-model.js'

/** Field names of the app's own user model that the import reads, and the one it writes (`clerkId`). */
export interface LegacyUserFields {
  /** The app's own id (`@id` or `@unique`): the order of the scan, and Clerk's `external_id`. */
  appId: string
  /** Optional (`String?`): records where it is null have no Clerk account yet; `link` fills it in. */
  clerkId: string
  email: string
  /**
   * A Boolean (or Int/BigInt 0/1), or a DateTime of when it was verified (null: never). Only true,
   * 1, 1n, a valid date or a timestamp's text count as verified. Unmapped: all unverified.
   */
  emailVerified?: string
  firstName?: string
  lastName?: string
  role?: string
  /** The stored password hash (bcrypt, argon2i/argon2id, …). */
  passwordDigest?: string
  /** A field naming each digest's hasher, for schemes the digest's text does not tell. */
  passwordHasher?: string
}

export interface PrismaLegacyUsersOptions {
  /** The delegate's name on the client, e.g. `user` for `prisma.user`. */
  model: string
  fields: LegacyUserFields
  /** Records read per query. Default 500. */
  pageSize?: number
}

interface LegacyDelegate {
  findMany(args: unknown): Promise<Record<string, unknown>[]>
  updateMany(args: unknown): Promise<{ count: number }>
}

interface RuntimeField {
  name: string
  kind: string
  type: string
}

const DEFAULT_PAGE_SIZE = 500

function fail(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `prismaLegacyUsers: ${message}`)
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** The model's name and fields, from the client's (internal) runtime data model, when it has one. */
function runtimeModel(
  prisma: unknown,
  delegateName: string,
): { name: string; fields: RuntimeField[] } | undefined {
  const models = (
    prisma as { _runtimeDataModel?: { models?: Record<string, { fields: RuntimeField[] }> } }
  )._runtimeDataModel?.models
  if (!models) return undefined
  const name = Object.keys(models).find(
    (m) => m.charAt(0).toLowerCase() + m.slice(1) === delegateName,
  )
  const fields = name ? models[name]?.fields : undefined
  return name && fields ? { name, fields } : undefined
}

/**
 * The app's users that have no Clerk account yet, for `importLegacyUsers`: records whose
 * `clerkId` field is null, read a page at a time in `appId` order (memory stays flat however many
 * there are). `link(appId, clerkId)` sets `clerkId` where it is still null (`updateMany`), so
 * running it twice, or from the webhook (`createClerkSync({ linkLegacyUser: source.link })`) as
 * well, is harmless.
 *
 * @example
 * const legacyUsers = prismaLegacyUsers(prisma, {
 *   model: 'user',
 *   fields: { appId: 'id', clerkId: 'clerkId', email: 'email', emailVerified: 'emailVerified', passwordDigest: 'passwordHash' },
 * })
 */
export function prismaLegacyUsers(
  prisma: unknown,
  options: PrismaLegacyUsersOptions,
): LegacyUserSource {
  const { model, fields } = options ?? ({} as PrismaLegacyUsersOptions)
  if (typeof model !== 'string' || !fields) fail('options { model, fields } are required.')
  const delegate = (prisma as Record<string, unknown> | null)?.[model] as LegacyDelegate | undefined
  if (typeof delegate?.findMany !== 'function' || typeof delegate.updateMany !== 'function') {
    fail(`the client has no model delegate \`${model}\` (e.g. "user" for prisma.user).`)
  }
  for (const key of ['appId', 'clerkId', 'email'] as const) {
    if (typeof fields[key] !== 'string' || !fields[key]) fail(`fields.${key} is required.`)
  }
  const mapped = Object.entries(fields).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  )
  const known = runtimeModel(prisma, model)
  let appIdType = 'String'
  if (known) {
    const byName = new Map(known.fields.filter((f) => f.kind !== 'object').map((f) => [f.name, f]))
    for (const [key, name] of mapped) {
      if (!byName.has(name))
        fail(`fields.${key} is "${name}", which is not a scalar field of ${model}.`)
    }
    // Whether a field is optional is in the schema text only (when the client carries it).
    const parsed = parseModelFields(clientSchema(prisma), known.name)
    if (parsed?.find((f) => f.name === fields.clerkId)?.required) {
      fail(
        `${model}.${fields.clerkId} (clerkId) must be optional: null marks a user not yet in Clerk.`,
      )
    }
    appIdType = byName.get(fields.appId)?.type ?? 'String'
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
    fail(`pageSize must be an integer from 1 to 10000, got ${pageSize}.`)
  }
  const select = Object.fromEntries(mapped.map(([, name]) => [name, true]))
  // Prisma checks argument types: an Int or BigInt id is handed over as text (Clerk's
  // external_id); one that is not a number (a Clerk user made elsewhere) matches no record.
  const appIdValue = (appId: string): unknown => {
    if (appIdType !== 'Int' && appIdType !== 'BigInt') return appId
    if (!/^-?\d+$/.test(appId)) return undefined
    return appIdType === 'Int' ? Number(appId) : BigInt(appId)
  }

  function toLegacyUser(record: Record<string, unknown>): LegacyUser {
    const read = (key: keyof LegacyUserFields) => {
      const name = fields[key]
      return name === undefined ? undefined : record[name]
    }
    return {
      appId: String(read('appId')),
      email: text(read('email')) ?? '',
      emailVerified: isEmailVerified(read('emailVerified')),
      firstName: text(read('firstName')),
      lastName: text(read('lastName')),
      role: text(read('role')),
      passwordDigest: text(read('passwordDigest')),
      passwordHasher: text(read('passwordHasher')),
    }
  }

  return {
    async *[Symbol.asyncIterator]() {
      // Keyset, not offset: records linked meanwhile drop out of the filter without shifting pages.
      let after: unknown
      for (;;) {
        const where: Record<string, unknown> = { [fields.clerkId]: null }
        if (after !== undefined) where[fields.appId] = { gt: after }
        const records = await delegate.findMany({
          where,
          select,
          orderBy: { [fields.appId]: 'asc' },
          take: pageSize,
        })
        for (const record of records) yield toLegacyUser(record)
        if (records.length < pageSize) return
        after = records[records.length - 1]?.[fields.appId]
      }
    },
    async link(appId, clerkId) {
      const value = appIdValue(appId)
      if (value === undefined) return
      await delegate.updateMany({
        where: { [fields.appId]: value, [fields.clerkId]: null },
        data: { [fields.clerkId]: clerkId },
      })
    },
  }
}
