import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { apiErrors } from './clerk-errors.js'
import { CreatedAtOrder } from './created-at-order.js'
import type { PasswordDigest } from './password-digest.js'
import { type IdentifierKind, identifiersOf, UniqueIdentifiers } from './unique-identifiers.js'

/**
 * A user as Clerk holds it, with the insertion order that breaks `created_at` ties. `createdAt`
 * is the key the user is filed under in the order (it follows `user.created_at` on every put).
 */
export interface StoredUser {
  user: ClerkUserFixture
  readonly seq: number
  createdAt: number
}

/**
 * Clerk's truth: the users of one instance. Hands out copies only, so neither callers nor
 * webhook bodies can change what the API answers later; `stored`, `byCreatedAt` and `all` give
 * the list endpoint read access without copying. A stored user is never changed in place: every
 * write stores a new object, so a reader holding one sees a consistent user.
 */
export class UserDirectory {
  readonly #entries = new Map<string, StoredUser>()
  readonly #order = new CreatedAtOrder<StoredUser>()
  readonly #identifiers = new UniqueIdentifiers()
  // Kept beside the user, never in it: Clerk's User JSON has no digest.
  readonly #digests = new Map<string, PasswordDigest>()
  readonly #onChange: () => void
  #seq = 0

  /** `onChange` runs after every write (to save the state file). */
  constructor(options: { onChange?: () => void } = {}) {
    this.#onChange = options.onChange ?? (() => {})
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string): ClerkUserFixture | undefined {
    const entry = this.#entries.get(id)
    return entry ? structuredClone(entry.user) : undefined
  }

  require(id: string): ClerkUserFixture {
    const user = this.get(id)
    if (!user) throw apiErrors.userNotFound(id)
    return user
  }

  /** The stored user itself, not a copy: read it, never change it. */
  stored(id: string): Readonly<StoredUser> | undefined {
    return this.#entries.get(id)
  }

  /** Every stored user, oldest insertion first; not copies. */
  all(): IterableIterator<Readonly<StoredUser>> {
    return this.#entries.values()
  }

  /** The users sorted by `created_at`, ties in insertion order. */
  get byCreatedAt(): Pick<
    CreatedAtOrder<StoredUser>,
    'size' | 'at' | 'firstAfter' | 'firstAtOrAfter' | 'indexOf'
  > {
    return this.#order
  }

  /** Every user, oldest insertion first. Copies. */
  users(): ClerkUserFixture[] {
    return [...this.#entries.values()].map(({ user }) => structuredClone(user))
  }

  /** The id of the user holding an identifier (emails and usernames in any case). */
  owner(kind: IdentifierKind, value: string): string | undefined {
    return this.#identifiers.owner(kind, value)
  }

  /** Stores a copy of `user`, new or replacing the one with its id. */
  put(user: ClerkUserFixture): void {
    const copy = structuredClone(user)
    const existing = this.#entries.get(user.id)
    if (!existing) {
      this.#order.insert(this.#add(copy))
      this.#onChange()
      return
    }
    this.#identifiers.remove(existing.user)
    this.#identifiers.add(copy)
    existing.user = copy
    if (existing.createdAt !== copy.created_at) {
      // `PATCH created_at` moves the user in the order; it keeps its insertion sequence.
      this.#order.remove(existing)
      existing.createdAt = copy.created_at
      this.#order.insert(existing)
    }
    this.#onChange()
  }

  #add(user: ClerkUserFixture): StoredUser {
    const entry: StoredUser = { user, seq: ++this.#seq, createdAt: user.created_at }
    this.#entries.set(user.id, entry)
    this.#identifiers.add(user)
    return entry
  }

  /**
   * Adds new users, taking ownership of the objects (callers hand over fresh ones). All or none:
   * a clash with a stored user or within the batch (id or identifier) throws before any is added.
   */
  seed(users: ClerkUserFixture[]): void {
    const batch = new Map<string, string>()
    const ids = new Set<string>()
    for (const user of users) {
      if (this.#entries.has(user.id) || ids.has(user.id)) {
        throw new TypeError(`seedUsers: a user with id ${user.id} exists already`)
      }
      ids.add(user.id)
      for (const [kind, value] of identifiersOf(user)) {
        this.#identifiers.assertFree(kind, value)
        const key = `${kind}\u0000${value}`
        if (batch.has(key)) throw apiErrors.identifierExists(kind)
        batch.set(key, user.id)
      }
    }
    // Seeds are usually in `created_at` order and land at the end; others are merged in one pass.
    const entries = users.map((user) => this.#add(user))
    this.#order.insertMany(entries)
    this.#onChange()
  }

  delete(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    this.#order.remove(entry)
    this.#identifiers.remove(entry.user)
    this.#digests.delete(id)
    this.#entries.delete(id)
    this.#onChange()
  }

  passwordDigest(id: string): PasswordDigest | null {
    const digest = this.#digests.get(id)
    return digest ? { ...digest } : null
  }

  /** Every digest kept, by user id. Copies. */
  passwordDigests(): Record<string, PasswordDigest> {
    return Object.fromEntries([...this.#digests].map(([id, digest]) => [id, { ...digest }]))
  }

  /** `null` forgets it: a plaintext password replaced the digest the app gave. */
  setPasswordDigest(id: string, digest: PasswordDigest | null): void {
    if (digest) this.#digests.set(id, { ...digest })
    else this.#digests.delete(id)
    this.#onChange()
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
  assertUnique(kind: IdentifierKind, value: string, except?: string): void {
    this.#identifiers.assertFree(kind, value, except)
  }
}
