import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { apiErrors } from './clerk-errors.js'

/** A user as Clerk holds it, with the insertion order that breaks `created_at` ties. */
interface Entry {
  user: ClerkUserFixture
  seq: number
}

/**
 * Clerk's truth: the users of one instance. Hands out copies only, so neither callers nor
 * webhook bodies can change what the API answers later.
 */
export class UserDirectory {
  readonly #entries = new Map<string, Entry>()
  #seq = 0

  get(id: string): ClerkUserFixture | undefined {
    const entry = this.#entries.get(id)
    return entry ? structuredClone(entry.user) : undefined
  }

  require(id: string): ClerkUserFixture {
    const user = this.get(id)
    if (!user) throw apiErrors.userNotFound(id)
    return user
  }

  /** Every user with its insertion sequence, oldest first. Copies. */
  entries(): Array<{ user: ClerkUserFixture; seq: number }> {
    return [...this.#entries.values()].map(({ user, seq }) => ({
      user: structuredClone(user),
      seq,
    }))
  }

  put(user: ClerkUserFixture): void {
    const existing = this.#entries.get(user.id)
    this.#entries.set(user.id, { user: structuredClone(user), seq: existing?.seq ?? ++this.#seq })
  }

  delete(id: string): void {
    this.#entries.delete(id)
  }

  /**
   * Clerk stamps `updated_at` in ms; two writes to one user within a millisecond would tie, and
   * receivers that order by it (clerk-sync does) could not tell them apart. So each write of a
   * user moves its clock forward by at least 1 ms.
   */
  nextStamp(previous: number | undefined): number {
    return Math.max(Date.now(), (previous ?? 0) + 1)
  }

  /** Identifiers are unique per instance; `except` is the user being updated. */
  assertUnique(
    kind: 'email_address' | 'phone_number' | 'username' | 'external_id',
    value: string,
    except?: string,
  ): void {
    const needle = value.toLowerCase()
    for (const { user } of this.#entries.values()) {
      if (user.id === except) continue
      const taken =
        kind === 'email_address'
          ? user.email_addresses.some((e) => e.email_address.toLowerCase() === needle)
          : kind === 'phone_number'
            ? user.phone_numbers.some((p) => p.phone_number === value)
            : kind === 'username'
              ? user.username?.toLowerCase() === needle
              : user.external_id === value
      if (taken) throw apiErrors.identifierExists(kind)
    }
  }
}
