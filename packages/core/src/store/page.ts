/** Default and maximum page sizes shared by every store's list methods. */
export const DEFAULT_PAGE_LIMIT = 100
export const MAX_PAGE_LIMIT = 1000

/** Validates a caller's `limit`, so every store pages the same way. */
export function resolvePageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`)
  }
  return limit
}

// Web APIs only (no Buffer), so core runs on edge runtimes too.
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Cursors are opaque to callers; stores encode the last key of a page (base64url of its UTF-8). */
export function encodeCursor(key: string): string {
  let binary = ''
  for (const byte of encoder.encode(key)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The key inside a cursor; null for no cursor. Throws a RangeError for one no store issued. */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url')
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
    return decoder.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)))
  } catch {
    throw new RangeError(
      `cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this store issued`,
    )
  }
}

/**
 * One page from rows fetched with `limit + 1`: the first `limit` rows, and a cursor after the last
 * of them (its key, from `keyOf`) when the extra row shows that more follow.
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keyOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit)
  return {
    items,
    nextCursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null,
  }
}

/**
 * An audit cursor's numeric id (audit ids are sequence numbers in the SQL stores); null for no
 * cursor. Throws a RangeError for one no store issued.
 */
export function decodeAuditCursor(cursor: string | null | undefined): number | null {
  const key = decodeCursor(cursor)
  const after = key === null ? null : Number(key)
  if (after !== null && !Number.isSafeInteger(after))
    throw new RangeError('cursor is not one this store issued')
  return after
}
