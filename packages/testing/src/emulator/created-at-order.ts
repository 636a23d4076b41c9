/** What the order sorts on: `created_at`, ties broken by insertion order (`seq`, unique). */
export interface CreatedAtKey {
  createdAt: number
  seq: number
}

function compareKeys(a: CreatedAtKey, createdAt: number, seq: number): number {
  return a.createdAt - createdAt || a.seq - seq
}

/**
 * The users sorted by (`created_at`, insertion order) in one array, so a `GET /v1/users` page
 * ordered by `created_at` finds its start by binary search and reads only its own rows. A single
 * insert or delete shifts the array (a memmove, microseconds at 100,000 users); users created now
 * land at the end, and bulk seeds are merged in one pass.
 */
export class CreatedAtOrder<E extends CreatedAtKey> {
  #items: E[] = []

  get size(): number {
    return this.#items.length
  }

  at(index: number): E {
    return this.#items[index]!
  }

  /** Index of the first entry whose key is greater than (`createdAt`, `seq`). */
  #after(createdAt: number, seq: number): number {
    let lo = 0
    let hi = this.#items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeys(this.#items[mid]!, createdAt, seq) <= 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the first entry with `created_at` > `ms`. */
  firstAfter(ms: number): number {
    return this.#after(ms, Number.POSITIVE_INFINITY)
  }

  /** Index of the first entry with `created_at` ≥ `ms`. */
  firstAtOrAfter(ms: number): number {
    return this.#after(ms, Number.NEGATIVE_INFINITY)
  }

  /** Where `entry` sits, or -1 when it is not in the order. */
  indexOf(entry: E): number {
    const index = this.#after(entry.createdAt, entry.seq) - 1
    return index >= 0 && this.#items[index] === entry ? index : -1
  }

  insert(entry: E): void {
    const last = this.#items.at(-1)
    if (!last || compareKeys(last, entry.createdAt, entry.seq) < 0) this.#items.push(entry)
    else this.#items.splice(this.#after(entry.createdAt, entry.seq), 0, entry)
  }

  remove(entry: E): void {
    const index = this.indexOf(entry)
    if (index !== -1) this.#items.splice(index, 1)
  }

  /** Adds many entries in O(n + k log k): sorts the batch, then merges it with the order. */
  insertMany(entries: readonly E[]): void {
    if (entries.length === 0) return
    const batch = [...entries].sort((a, b) => compareKeys(a, b.createdAt, b.seq))
    const last = this.#items.at(-1)
    const first = batch[0]!
    if (!last || compareKeys(last, first.createdAt, first.seq) < 0) {
      for (const entry of batch) this.#items.push(entry)
      return
    }
    const merged: E[] = new Array(this.#items.length + batch.length)
    let i = 0
    let j = 0
    for (let k = 0; k < merged.length; k++) {
      const a = this.#items[i]
      const b = batch[j]
      if (b === undefined || (a !== undefined && compareKeys(a, b.createdAt, b.seq) < 0)) {
        merged[k] = a!
        i++
      } else {
        merged[k] = b
        j++
      }
    }
    this.#items = merged
  }
}
