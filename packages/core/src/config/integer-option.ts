import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

/**
 * An integer option within [min, max], or CONFIG_INVALID naming where it was given (`caller`, e.g.
 * `createClerkSync`) and the accepted range. A string, NaN or Infinity is refused, never coerced.
 */
export function integerOption(
  caller: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      `${caller}: \`${name}\` must be an integer from ${min} to ${max}, got ${String(value)}.`,
    )
  }
  return value
}
