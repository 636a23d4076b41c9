import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { apiErrors } from './clerk-errors.js'

type User = ClerkUserFixture & Record<string, unknown>
interface Row {
  user: User
  seq: number
}

export const LIST_LIMIT_DEFAULT = 10
export const LIST_LIMIT_MAX = 500
const ARRAY_FILTER_MAX = 100

const ORDER_FIELDS = new Set([
  'created_at',
  'updated_at',
  'email_address',
  'web3wallet',
  'first_name',
  'last_name',
  'phone_number',
  'username',
  'last_active_at',
  'last_sign_in_at',
])

/**
 * An array parameter: repeated keys (`?user_id=a&user_id=b`, what `@clerk/backend` sends), also
 * accepted with PHP-style brackets (`user_id[]=a`), which some HTTP clients produce.
 */
function arrayParam(query: URLSearchParams, name: string): string[] {
  const values = [...query.getAll(name), ...query.getAll(`${name}[]`)]
  if (values.length > ARRAY_FILTER_MAX) {
    throw apiErrors.paramTooLarge(name, `${name} accepts up to ${ARRAY_FILTER_MAX} values.`)
  }
  return values
}

function integerQuery(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) {
    throw apiErrors.paramFormatInvalid(name, `${name} must be an integer.`)
  }
  return Number(raw)
}

function primaryValue(
  items: Array<Record<string, unknown>>,
  id: unknown,
  key: string,
): string | null {
  const item = items.find((candidate) => candidate.id === id)
  return typeof item?.[key] === 'string' ? (item[key] as string) : null
}

function includes(haystack: unknown, needle: string): boolean {
  return typeof haystack === 'string' && haystack.toLowerCase().includes(needle)
}

/** `+id`/`id` include, `-id` exclude, as Clerk documents for `user_id` and `external_id`. */
function signedFilter(values: string[], actual: string | null): boolean {
  const include = values.filter((v) => !v.startsWith('-')).map((v) => v.replace(/^[+ ]/, ''))
  const exclude = values.filter((v) => v.startsWith('-')).map((v) => v.slice(1))
  if (actual !== null && exclude.includes(actual)) return false
  return include.length === 0 || (actual !== null && include.includes(actual))
}

type Predicate = (user: User) => boolean

/** The filters shared by `GET /users` and `GET /users/count`; all must hold (AND). */
function filters(query: URLSearchParams): Predicate[] {
  const predicates: Predicate[] = []
  const emails = arrayParam(query, 'email_address').map((e) => e.toLowerCase())
  if (emails.length) {
    predicates.push((u) =>
      u.email_addresses.some((e) => emails.includes(e.email_address.toLowerCase())),
    )
  }
  const phones = arrayParam(query, 'phone_number')
  if (phones.length)
    predicates.push((u) => u.phone_numbers.some((p) => phones.includes(p.phone_number)))
  const usernames = arrayParam(query, 'username').map((n) => n.toLowerCase())
  if (usernames.length) predicates.push((u) => usernames.includes(String(u.username).toLowerCase()))
  const userIds = arrayParam(query, 'user_id')
  if (userIds.length) predicates.push((u) => signedFilter(userIds, u.id))
  const externalIds = arrayParam(query, 'external_id')
  if (externalIds.length) {
    predicates.push((u) => signedFilter(externalIds, (u.external_id as string | null) ?? null))
  }
  // The emulator has no wallets, organizations or OAuth accounts: an include filter matches none.
  const orgs = arrayParam(query, 'organization_id')
  if (orgs.some((o) => !o.startsWith('-'))) predicates.push(() => false)
  if (arrayParam(query, 'web3_wallet').length) predicates.push(() => false)
  if (arrayParam(query, 'provider_user_id').length) predicates.push(() => false)

  const text = (name: string, fields: (u: User) => unknown[]) => {
    const needle = query.get(name)?.toLowerCase()
    if (needle) predicates.push((u) => fields(u).some((field) => includes(field, needle)))
  }
  text('query', (u) => [
    u.id,
    u.username,
    u.first_name,
    u.last_name,
    ...u.email_addresses.map((e) => e.email_address),
    ...u.phone_numbers.map((p) => p.phone_number),
  ])
  text('email_address_query', (u) => u.email_addresses.map((e) => e.email_address))
  text('phone_number_query', (u) => u.phone_numbers.map((p) => p.phone_number))
  text('username_query', (u) => [u.username])
  text('name_query', (u) => [
    u.first_name,
    u.last_name,
    `${u.first_name ?? ''} ${u.last_name ?? ''}`,
  ])

  const banned = query.get('banned')
  if (banned !== null) {
    if (banned !== 'true' && banned !== 'false') throw apiErrors.paramValueInvalid('banned', banned)
    predicates.push((u) => u.banned === (banned === 'true'))
  }
  const range = (name: string, field: string, before: boolean) => {
    const bound = integerQuery(query, name)
    if (bound === undefined) return
    predicates.push((u) => {
      const value = u[field]
      return typeof value === 'number' && (before ? value < bound : value > bound)
    })
  }
  range('created_at_before', 'created_at', true)
  range('created_at_after', 'created_at', false)
  range('last_active_at_before', 'last_active_at', true)
  range('last_active_at_after', 'last_active_at', false)
  range('last_active_at_since', 'last_active_at', false)
  range('last_sign_in_at_before', 'last_sign_in_at', true)
  range('last_sign_in_at_after', 'last_sign_in_at', false)
  return predicates
}

function sortValue(user: User, field: string): string | number | null {
  switch (field) {
    case 'email_address':
      return primaryValue(user.email_addresses, user.primary_email_address_id, 'email_address')
    case 'phone_number':
      return primaryValue(user.phone_numbers, user.primary_phone_number_id, 'phone_number')
    case 'web3wallet':
      return null
    default: {
      const value = user[field]
      return typeof value === 'string' || typeof value === 'number' ? value : null
    }
  }
}

/** `order_by`: one field, `+` (default) or `-`. Only the first of repeated values counts. */
function parseOrder(query: URLSearchParams): { field: string; descending: boolean } {
  // A raw `+` in a query string decodes to a space; treat it as the `+` it was meant to be.
  const raw = query.get('order_by') ?? '-created_at'
  const descending = raw.startsWith('-')
  const field = raw.replace(/^[-+ ]/, '')
  if (!ORDER_FIELDS.has(field)) throw apiErrors.paramValueInvalid('order_by', raw)
  return { field, descending }
}

function compare(a: Row, b: Row, field: string, descending: boolean): number {
  const x = sortValue(a.user, field)
  const y = sortValue(b.user, field)
  // As Postgres orders: nulls last ascending, first descending; ties by insertion order.
  let order = 0
  if (x === null || y === null) order = x === y ? 0 : x === null ? 1 : -1
  else order = x < y ? -1 : x > y ? 1 : 0
  if (order === 0) order = a.seq - b.seq
  return descending ? -order : order
}

export function countUsers(rows: Row[], query: URLSearchParams): number {
  const predicates = filters(query)
  return rows.filter((row) => predicates.every((p) => p(row.user))).length
}

/** `GET /v1/users`: filter, order, then `starting_after` or `offset`, then `limit`. */
export function listUsers(rows: Row[], query: URLSearchParams): User[] {
  const limit = integerQuery(query, 'limit') ?? LIST_LIMIT_DEFAULT
  if (limit < 1 || limit > LIST_LIMIT_MAX) {
    throw apiErrors.paramValueInvalid(
      'limit',
      limit,
      `limit must be between 1 and ${LIST_LIMIT_MAX}.`,
    )
  }
  const offset = integerQuery(query, 'offset') ?? 0
  if (offset < 0) throw apiErrors.paramValueInvalid('offset', offset, 'offset must be 0 or more.')
  const { field, descending } = parseOrder(query)
  const predicates = filters(query)
  const sorted = rows
    .filter((row) => predicates.every((p) => p(row.user)))
    .sort((a, b) => compare(a, b, field, descending))

  const cursor = query.get('starting_after')
  let start = offset
  if (cursor) {
    if (field !== 'created_at') {
      throw apiErrors.paramValueInvalid(
        'starting_after',
        cursor,
        'starting_after requires ordering by created_at.',
      )
    }
    if (offset !== 0) {
      throw apiErrors.paramValueInvalid(
        'offset',
        offset,
        'offset cannot be combined with starting_after.',
      )
    }
    const index = sorted.findIndex((row) => row.user.id === cursor)
    if (index === -1)
      throw apiErrors.paramValueInvalid(
        'starting_after',
        cursor,
        `No user was found with id ${cursor}`,
      )
    start = index + 1
  }
  return sorted.slice(start, start + limit).map((row) => row.user)
}
