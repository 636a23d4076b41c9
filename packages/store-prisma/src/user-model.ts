import { ClerkSyncError, type DeletePolicy, ErrorCode, type SyncedUser } from '@clerk-sync/core'
import {
  PERSONAL_FIELDS,
  SYNCED_USER_FIELDS,
  type SyncedUserField,
} from '@clerk-sync/core/store-kit'
import type { Delegate, TransactionClient } from './prisma-like.js'

const syncedFields = SYNCED_USER_FIELDS
export type SyncedField = SyncedUserField

/** Prisma field names of the app's model: where each synced field goes. Only `id` is required. */
export type UserFields = { id: string } & { [K in SyncedField]?: string } & {
  /** `mapUser`'s extra keys, each to a field. */
  extra?: Record<string, string>
  /**
   * An optional `DateTime?` field clerk-sync sets to the delete time on `user.deleted` under
   * `onDelete: 'soft'` (required there) or `'anonymize'`. Records with it set are never read back.
   */
  deletedAt?: string
}

export interface UserModelOption {
  /** The delegate's name on the client, e.g. `user` for `prisma.user`. */
  model: string
  fields: UserFields
}

export interface ResolvedUserModel {
  model: string
  id: string
  fields: Array<{ field: SyncedField; name: string }>
  role: string | undefined
  extra:
    | { kind: 'json'; name: string }
    | { kind: 'fields'; fields: Array<{ key: string; name: string }> }
  delegate(client: TransactionClient | object): Delegate
  /** Prisma `data` for the user (only mapped fields). */
  toData(
    user: SyncedUser<string>,
    requiredFields: Set<string>,
    table: string,
  ): Record<string, unknown>
  select: Record<string, true>
  fromRecord(record: Record<string, unknown>, role: unknown): SyncedUser<string>
  onDelete: DeletePolicy
  /** The mapped `deletedAt` field, if any. */
  deletedAt: string | undefined
  /** What a delete under `soft`/`anonymize` sets on the kept record (Prisma `data`). */
  retireData(deletedAt: Date): Record<string, unknown>
}

interface ModelField {
  name: string
  kind: string
  type: string
}

export interface ParsedField {
  name: string
  required: boolean
  unique: boolean
  id: boolean
  hasDefault: boolean
  /** A default Prisma computes in the client (`cuid()`, `uuid()`, `nanoid()`, `ulid()`): no SQL default. */
  clientDefault: boolean
  /** `@updatedAt`: Prisma sets it on every create and update; the database does not. */
  updatedAt: boolean
  relation: boolean
}

function fail(message: string): never {
  throw new ClerkSyncError(ErrorCode.CONFIG_INVALID, `prismaStore: ${message}`)
}

/** Field lines of `model Name { … }` in the client's schema, read just enough for start-up checks. */
export function parseModelFields(
  schema: string | undefined,
  modelName: string,
): ParsedField[] | undefined {
  if (!schema) return undefined
  const match = new RegExp(`model\\s+${modelName}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(schema)
  if (!match?.[1]) return undefined
  const fields: ParsedField[] = []
  for (const raw of match[1].split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim()
    const m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line)
    if (!m || line.startsWith('@@')) continue
    const [, name, , list, optional, rest = ''] = m
    fields.push({
      name: name!,
      required: !list && !optional,
      unique: /@unique\b/.test(rest),
      id: /@id\b/.test(rest),
      hasDefault: /@default\(|@updatedAt\b/.test(rest),
      clientDefault: /@default\(\s*(?:cuid|uuid|nanoid|ulid)\s*\(/.test(rest),
      updatedAt: /@updatedAt\b/.test(rest),
      relation: /@relation\b/.test(rest) || Boolean(list),
    })
  }
  return fields
}

/** Checks the mapping against the client's data model and schema once, at start-up. */
export function resolveUserModel(
  option: UserModelOption,
  runtimeModel: { fields: ModelField[] } | undefined,
  parsed: ParsedField[] | undefined,
  jsonExtra?: string,
  onDelete: DeletePolicy = 'delete',
): ResolvedUserModel {
  const { model, fields: mapping } = option
  if (!runtimeModel)
    fail(
      `the client has no model for \`${model}\` (expected the delegate name, e.g. "user" for prisma.user).`,
    )
  if (!mapping?.id) fail(`user.fields.id is required: the ${model} field holding Clerk's user id.`)
  // Enums count: an app's `role Role` is a Prisma enum whose values are strings.
  const scalar = new Map(
    runtimeModel.fields
      .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
      .map((f) => [f.name, f.kind === 'enum' ? { ...f, type: 'String' } : f]),
  )
  const check = (name: string, what: string, types: string[]) => {
    const field = scalar.get(name)
    if (!field) fail(`user.fields.${what} is "${name}", which is not a scalar field of ${model}.`)
    if (types.length && !types.includes(field.type))
      fail(`user.fields.${what} ("${name}") is ${field.type}; expected ${types.join(' or ')}.`)
  }
  check(mapping.id, 'id', ['String'])
  const fields: ResolvedUserModel['fields'] = []
  for (const field of syncedFields) {
    const name = mapping[field]
    if (!name) continue
    check(name, field, field === 'createdAt' || field === 'updatedAt' ? ['DateTime'] : ['String'])
    fields.push({ field, name })
  }
  const extraFields = Object.entries(mapping.extra ?? {}).map(([key, name]) => {
    check(name, `extra.${key}`, [])
    return { key, name }
  })
  const deletedAt = mapping.deletedAt
  if (deletedAt) {
    check(deletedAt, 'deletedAt', ['DateTime'])
    if (parsed?.find((f) => f.name === deletedAt)?.required)
      fail(
        `user.fields.deletedAt ("${deletedAt}") is required; make it optional (DateTime?): it stays null while the user exists.`,
      )
  }
  if (onDelete === 'soft' && !deletedAt) {
    fail(
      jsonExtra
        ? `onDelete: 'soft' keeps the user's record and marks it in a deletedAt field, and ${model} has none. Map your own model with user.fields.deletedAt, or use 'delete' or 'anonymize'.`
        : `onDelete: 'soft' needs user.fields.deletedAt: the optional DateTime field of ${model} clerk-sync sets when Clerk deletes the user.`,
    )
  }
  const personal = [
    ...fields
      .filter((f) => (PERSONAL_FIELDS as readonly string[]).includes(f.field))
      .map((f) => f.name),
    ...(jsonExtra ? [jsonExtra] : extraFields.map((e) => e.name)),
  ]
  if (onDelete === 'anonymize' && parsed) {
    const required = personal.filter((name) => parsed.find((f) => f.name === name)?.required)
    if (required.length) {
      fail(
        `onDelete: 'anonymize' sets the user's personal fields to null, but ${required.map((r) => `"${r}"`).join(', ')} of ${model} ${required.length === 1 ? 'is' : 'are'} required. Make ${required.length === 1 ? 'it' : 'them'} optional, or use 'soft' or 'delete'.`,
      )
    }
  }
  if (parsed) {
    const idField = parsed.find((f) => f.name === mapping.id)
    if (idField && !idField.id && !idField.unique)
      fail(`${model}.${mapping.id} must be @id or @unique: clerk-sync writes users by id.`)
    const written = new Set([
      mapping.id,
      ...fields.map((f) => f.name),
      ...extraFields.map((f) => f.name),
      ...(jsonExtra ? [jsonExtra] : []),
      ...(deletedAt ? [deletedAt] : []),
    ])
    for (const f of parsed) {
      if (
        f.required &&
        !f.hasDefault &&
        !f.relation &&
        scalar.has(f.name) &&
        !written.has(f.name)
      ) {
        fail(
          `field "${f.name}" of ${model} is required without a default, and clerk-sync does not write it. ` +
            'Make it optional, give it a @default, or map it in user.fields.',
        )
      }
    }
  }
  const extra: ResolvedUserModel['extra'] = jsonExtra
    ? { kind: 'json', name: jsonExtra }
    : { kind: 'fields', fields: extraFields }
  const select: Record<string, true> = { [mapping.id]: true }
  for (const f of fields) select[f.name] = true
  if (extra.kind === 'json') select[extra.name] = true
  else for (const e of extra.fields) select[e.name] = true

  return {
    model,
    id: mapping.id,
    fields,
    role: mapping.role,
    extra,
    select,
    onDelete,
    deletedAt,
    retireData(at) {
      const data: Record<string, unknown> = {}
      if (onDelete === 'anonymize') for (const name of personal) data[name] = null
      if (deletedAt) data[deletedAt] = at
      return data
    },
    delegate(client) {
      const delegate = (client as Record<string, unknown>)[model] as Delegate | undefined
      if (!delegate) fail(`the client has no delegate \`${model}\`.`)
      return delegate
    },
    toData(user, requiredFields, table) {
      const data: Record<string, unknown> = { [mapping.id]: user.id }
      const empty: string[] = []
      for (const { field, name } of fields) {
        const value = user[field]
        if ((value === null || value === undefined) && requiredFields.has(name)) empty.push(name)
        data[name] = value
      }
      if (empty.length) {
        throw new ClerkSyncError(
          ErrorCode.STORE_CONFLICT,
          `User ${user.id} cannot be written to ${table}: required field ${empty.map((e) => `"${e}"`).join(', ')} — the user has no value for it (Clerk allows users without an email, e.g. phone or username sign-ups). Make the field optional or fill it in mapUser; until then Svix retries and fails.`,
        )
      }
      if (extra.kind === 'json') {
        data[extra.name] = user.extra ?? null
      } else if (user.extra) {
        for (const key of Object.keys(user.extra)) {
          const target = extra.fields.find((e) => e.key === key)
          if (!target) {
            throw new ClerkSyncError(
              ErrorCode.CONFIG_INVALID,
              `prismaStore: mapUser returned "${key}", but user.fields.extra maps no field for it.`,
            )
          }
          data[target.name] = user.extra[key]
        }
      }
      return data
    },
    fromRecord(record, role) {
      const user: Record<string, unknown> = { id: record[mapping.id] }
      for (const field of syncedFields) user[field] = null
      for (const { field, name } of fields) user[field] = record[name] ?? null
      user.role = role ?? null
      if (extra.kind === 'json') {
        if (record[extra.name] !== null && record[extra.name] !== undefined)
          user.extra = record[extra.name]
      } else if (extra.fields.length) {
        user.extra = Object.fromEntries(extra.fields.map((e) => [e.key, record[e.name] ?? null]))
      }
      return user as unknown as SyncedUser<string>
    },
  }
}
