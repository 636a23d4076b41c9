import { SYNCED_USER_FIELDS, type SyncedUser, type SyncedUserField } from '../store/synced-user.js'

/** JSON with object keys sorted: a JSON column (Postgres `jsonb`) may hand keys back reordered. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Date)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  )
}

/**
 * A stored time equals Clerk's when it is Clerk's millisecond, or Clerk's second where the column
 * keeps whole seconds (MySQL `DATETIME`, `timestamp(0)`): otherwise every user of such a table
 * would differ in createdAt/updatedAt on every run, and a repair could never make them equal.
 */
function sameTime(clerk: Date, stored: Date): boolean {
  // Whole seconds either truncated (MariaDB) or rounded (MySQL): within one second of Clerk's.
  const ms = stored.getTime()
  return ms === clerk.getTime() || (ms % 1000 === 0 && Math.abs(ms - clerk.getTime()) < 1000)
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && sameTime(a, b)
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return canonicalJson(a) === canonicalJson(b)
  }
  return (a ?? null) === (b ?? null)
}

/**
 * The names of the fields in which the stored user differs from Clerk's: `SyncedUser` fields the
 * store keeps (`mapped`; all when absent), and `extra.<key>` for each extra column `mapUser`
 * returns.
 */
export function differingFields<R extends string>(
  clerk: SyncedUser<R>,
  stored: SyncedUser<R>,
  mapped: readonly SyncedUserField[] = SYNCED_USER_FIELDS,
): string[] {
  const fields: string[] = mapped.filter((field) => !sameValue(clerk[field], stored[field]))
  for (const [key, value] of Object.entries(clerk.extra ?? {})) {
    if (!sameValue(value, stored.extra?.[key])) fields.push(`extra.${key}`)
  }
  return fields
}
