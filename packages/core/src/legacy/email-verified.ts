/** ISO 8601 or SQL date/datetime text, as a driver hands over a timestamp column read as text. */
const TIMESTAMP_TEXT =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/** The text as `Date.parse` reads it: `T` between date and time, `+00` offsets as `+00:00`. */
function isoText(text: string): string {
  return text.replace(' ', 'T').replace(/(T[\d:.]+[+-]\d{2})$/, '$1:00')
}

/**
 * Whether the app's "email verified" value says verified: only `true`, `1`, `1n`, a valid Date, or
 * a timestamp's text (when it was verified). Anything else — `0n`, `'0'`, `'false'`, `''`, a zero
 * date — is unverified: an address created verified in Clerk that never was would let whoever
 * controls it take the account over.
 */
export function isEmailVerified(value: unknown): boolean {
  if (value === true || value === 1 || value === 1n) return true
  if (value instanceof Date) return !Number.isNaN(value.getTime())
  if (typeof value !== 'string') return false
  const text = value.trim()
  return TIMESTAMP_TEXT.test(text) && !Number.isNaN(Date.parse(isoText(text)))
}
