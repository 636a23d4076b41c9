import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { apiErrors } from './clerk-errors.js'
import type { StoredUser, UserDirectory } from './user-directory.js'

type User = ClerkUserFixture & Record<string, unknown>
interface Row extends StoredUser {
  user: User
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

function includesText(haystack: unknown, needle: string): boolean {
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

/** The filters of one request, split so the indexes can answer what they can. */
interface Filters {
  /** Every condition but the `created_at` bounds; all must hold (AND). */
  predicates: Predicate[]
  /** Exclusive bounds from `created_at_after` / `created_at_before`. */
  createdAtAfter: number | undefined
  createdAtBefore: number | undefined
  /** The only users that can match, from `user_id` or `external_id` include values. */
  candidates: string[] | undefined
}

function includes(values: string[]): string[] {
  return values.filter((v) => !v.startsWith('-')).map((v) => v.replace(/^[+ ]/, ''))
}

/** The filters shared by `GET /users` and `GET /users/count`. */
function parseFilters(query: URLSearchParams, directory: UserDirectory): Filters {
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
    if (needle) predicates.push((u) => fields(u).some((field) => includesText(field, needle)))
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
  range('last_active_at_before', 'last_active_at', true)
  range('last_active_at_after', 'last_active_at', false)
  range('last_active_at_since', 'last_active_at', false)
  range('last_sign_in_at_before', 'last_sign_in_at', true)
  range('last_sign_in_at_after', 'last_sign_in_at', false)

  // Include lists name the only users that can match: look them up instead of scanning.
  const includedIds = includes(userIds)
  const includedExternal = includes(externalIds)
  let candidates: string[] | undefined
  if (includedIds.length) candidates = includedIds
  else if (includedExternal.length) {
    candidates = includedExternal.flatMap((id) => directory.owner('external_id', id) ?? [])
  }
  return {
    predicates,
    createdAtAfter: integerQuery(query, 'created_at_after'),
    createdAtBefore: integerQuery(query, 'created_at_before'),
    candidates,
  }
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

/** Index range `[lo, hi)` of the `created_at` order inside the `created_at_*` bounds. */
function createdAtRange(directory: UserDirectory, filters: Filters): [number, number] {
  const order = directory.byCreatedAt
  const lo = filters.createdAtAfter === undefined ? 0 : order.firstAfter(filters.createdAtAfter)
  const hi =
    filters.createdAtBefore === undefined
      ? order.size
      : order.firstAtOrAfter(filters.createdAtBefore)
  return [lo, Math.max(lo, hi)]
}

function matches(row: Row, filters: Filters): boolean {
  const createdAt = row.user.created_at
  if (filters.createdAtAfter !== undefined && !(createdAt > filters.createdAtAfter)) return false
  if (filters.createdAtBefore !== undefined && !(createdAt < filters.createdAtBefore)) return false
  return filters.predicates.every((p) => p(row.user))
}

/** The rows that match, in no particular order: few when an include list names them. */
function matchingRows(directory: UserDirectory, filters: Filters): Row[] {
  if (filters.candidates) {
    const rows = new Set<Row>()
    for (const id of filters.candidates) {
      const row = directory.stored(id) as Row | undefined
      if (row && matches(row, filters)) rows.add(row)
    }
    return [...rows]
  }
  const [lo, hi] = createdAtRange(directory, filters)
  const rows: Row[] = []
  for (let i = lo; i < hi; i++) {
    const row = directory.byCreatedAt.at(i) as Row
    if (filters.predicates.every((p) => p(row.user))) rows.push(row)
  }
  return rows
}

export function countUsers(directory: UserDirectory, query: URLSearchParams): number {
  const filters = parseFilters(query, directory)
  if (!filters.candidates && filters.predicates.length === 0) {
    const [lo, hi] = createdAtRange(directory, filters)
    return hi - lo
  }
  return matchingRows(directory, filters).length
}

interface Paging {
  limit: number
  offset: number
  cursor: string | null
  field: string
  descending: boolean
}

/**
 * A page ordered by `created_at`, read straight off the order: binary search to the first row,
 * then only the rows it returns (plus those it skips when other filters must be tested).
 */
function createdAtPage(directory: UserDirectory, filters: Filters, paging: Paging): Row[] {
  const order = directory.byCreatedAt
  const [lo, hi] = createdAtRange(directory, filters)
  const step = paging.descending ? -1 : 1
  let i = paging.descending ? hi - 1 : lo
  let skip = paging.offset
  if (paging.cursor) {
    const row = directory.stored(paging.cursor) as Row | undefined
    const at = row && matches(row, filters) ? order.indexOf(row) : -1
    if (at === -1) throw cursorNotFound(paging.cursor)
    i = at + step
  } else if (filters.predicates.length === 0) {
    i += step * skip
    skip = 0
  }
  const page: Row[] = []
  for (; i >= lo && i < hi && page.length < paging.limit; i += step) {
    const row = order.at(i) as Row
    if (!filters.predicates.every((p) => p(row.user))) continue
    if (skip > 0) skip--
    else page.push(row)
  }
  return page
}

/** Any other page: every matching row, sorted, then sliced. */
function sortedPage(directory: UserDirectory, filters: Filters, paging: Paging): Row[] {
  const sorted = matchingRows(directory, filters).sort((a, b) =>
    compare(a, b, paging.field, paging.descending),
  )
  let start = paging.offset
  if (paging.cursor) {
    const index = sorted.findIndex((row) => row.user.id === paging.cursor)
    if (index === -1) throw cursorNotFound(paging.cursor)
    start = index + 1
  }
  return sorted.slice(start, start + paging.limit)
}

function cursorNotFound(cursor: string) {
  return apiErrors.paramValueInvalid(
    'starting_after',
    cursor,
    `No user was found with id ${cursor}`,
  )
}

/**
 * `GET /v1/users`: filter, order, then `starting_after` or `offset`, then `limit`. Ordered by
 * `created_at` (the default) a page costs O(page + log n). The users are the stored ones, not
 * copies: writes replace a stored user and never change it, and the page is serialised at once.
 */
export function listUsers(directory: UserDirectory, query: URLSearchParams): User[] {
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
  const filters = parseFilters(query, directory)
  const cursor = query.get('starting_after')
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
  }
  const paging: Paging = { limit, offset, cursor, field, descending }
  const rows =
    field === 'created_at' && !filters.candidates
      ? createdAtPage(directory, filters, paging)
      : sortedPage(directory, filters, paging)
  return rows.map((row) => row.user)
}
