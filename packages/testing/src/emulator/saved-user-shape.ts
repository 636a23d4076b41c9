import { isPlainObject } from './body-params.js'

type Kind = 'string' | 'string|null' | 'number' | 'boolean' | 'object' | 'list'

/**
 * The fields of a saved user the emulator reads (lists it iterates, strings it compares or
 * lowercases, metadata it merges), typed as the `User` fixture has them. A file edited by hand
 * that breaks one of these would otherwise surface as a 500 on some later request.
 */
const USER_FIELDS: Record<string, Kind> = {
  id: 'string',
  object: 'string',
  created_at: 'number',
  updated_at: 'number',
  external_id: 'string|null',
  primary_email_address_id: 'string|null',
  primary_phone_number_id: 'string|null',
  username: 'string|null',
  first_name: 'string|null',
  last_name: 'string|null',
  image_url: 'string',
  banned: 'boolean',
  locked: 'boolean',
  public_metadata: 'object',
  private_metadata: 'object',
  unsafe_metadata: 'object',
  email_addresses: 'list',
  phone_numbers: 'list',
  web3_wallets: 'list',
  external_accounts: 'list',
}

/** Each identifier in a user's lists: its own id and the value the emulator matches on. */
const IDENTIFIER_FIELDS = {
  email_addresses: 'email_address',
  phone_numbers: 'phone_number',
} as const

function fits(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string'
    case 'string|null':
      return value === null || typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'object':
      return isPlainObject(value)
    case 'list':
      return Array.isArray(value)
  }
}

const DESCRIPTION: Record<Kind, string> = {
  string: 'a string',
  'string|null': 'a string or null',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  list: 'a list',
}

/** What is wrong with a saved user, naming the field; undefined when it has Clerk's shape. */
export function savedUserProblem(user: unknown): string | undefined {
  if (!isPlainObject(user)) return 'it is not an object'
  for (const [field, kind] of Object.entries(USER_FIELDS)) {
    const value = user[field]
    if (!fits(value, kind)) {
      const found = value === undefined ? 'is missing' : `is ${JSON.stringify(value).slice(0, 40)}`
      return `${field} ${found}; it should be ${DESCRIPTION[kind]}`
    }
  }
  if (user.id === '') return 'id is empty'
  for (const [list, valueField] of Object.entries(IDENTIFIER_FIELDS)) {
    for (const [index, entry] of (user[list] as unknown[]).entries()) {
      if (
        !isPlainObject(entry) ||
        typeof entry.id !== 'string' ||
        typeof entry[valueField] !== 'string'
      ) {
        return `${list}[${index}] needs a string id and ${valueField}`
      }
    }
  }
  return undefined
}
