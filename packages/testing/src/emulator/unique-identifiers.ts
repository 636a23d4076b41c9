import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { apiErrors } from './clerk-errors.js'

export type IdentifierKind = 'email_address' | 'phone_number' | 'username' | 'external_id'

const KINDS: readonly IdentifierKind[] = [
  'email_address',
  'phone_number',
  'username',
  'external_id',
]

/** Emails and usernames are unique whatever their case at Clerk; numbers and external ids as sent. */
function normalise(kind: IdentifierKind, value: string): string {
  return kind === 'email_address' || kind === 'username' ? value.toLowerCase() : value
}

/** Every identifier a user holds, normalised. */
export function identifiersOf(user: ClerkUserFixture): Array<[IdentifierKind, string]> {
  const held: Array<[IdentifierKind, string]> = []
  for (const email of user.email_addresses) {
    held.push(['email_address', normalise('email_address', email.email_address)])
  }
  for (const phone of user.phone_numbers) held.push(['phone_number', phone.phone_number])
  if (user.username) held.push(['username', normalise('username', user.username)])
  if (typeof user.external_id === 'string' && user.external_id !== '') {
    held.push(['external_id', user.external_id])
  }
  return held
}

/**
 * Which user holds each email, phone number, username and external id: the uniqueness Clerk
 * enforces per instance, answered by a lookup instead of a scan of every user.
 */
export class UniqueIdentifiers {
  readonly #owners = new Map(KINDS.map((kind) => [kind, new Map<string, string>()]))

  /** The id of the user holding `value`, if any. */
  owner(kind: IdentifierKind, value: string): string | undefined {
    return this.#owners.get(kind)!.get(normalise(kind, value))
  }

  /** Clerk's 422 `form_identifier_exists` when another user than `except` holds `value`. */
  assertFree(kind: IdentifierKind, value: string, except?: string): void {
    const owner = this.owner(kind, value)
    if (owner !== undefined && owner !== except) throw apiErrors.identifierExists(kind)
  }

  add(user: ClerkUserFixture): void {
    for (const [kind, value] of identifiersOf(user)) this.#owners.get(kind)!.set(value, user.id)
  }

  remove(user: ClerkUserFixture): void {
    for (const [kind, value] of identifiersOf(user)) {
      const owners = this.#owners.get(kind)!
      if (owners.get(value) === user.id) owners.delete(value)
    }
  }
}
