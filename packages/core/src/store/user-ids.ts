/** The most ids one `getUsers` call takes: one statement's worth on every database. */
export const MAX_GET_USERS_IDS = 1000

/** Checks a `getUsers` call's ids, and drops repeats (a store answers each user once). */
export function resolveUserIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw new TypeError('getUsers: ids must be an array of user ids')
  const unique = [...new Set(ids)]
  if (unique.length > MAX_GET_USERS_IDS) {
    throw new RangeError(
      `getUsers takes at most ${MAX_GET_USERS_IDS} ids per call, got ${unique.length}`,
    )
  }
  for (const id of unique) {
    if (typeof id !== 'string') throw new TypeError('getUsers: ids must be an array of user ids')
  }
  return unique
}
