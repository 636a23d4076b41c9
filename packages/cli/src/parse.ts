import { type ParseArgsConfig, parseArgs } from 'node:util'

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>

import { UsageError } from './usage-error.js'

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
} as const

/** `--config <path>`, for the commands that load `clerk-sync.config.*`. */
export const CONFIG_OPTION = {
  config: { type: 'string' },
} as const

/** node:util `parseArgs`, its errors (unknown flag, missing value) turned into usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): Parsed<T> {
  try {
    return parseArgs(config)
  } catch (error) {
    throw new UsageError((error as Error).message, command)
  }
}

/** A whole number within bounds, or a usage error naming the flag. */
export function integerFlag(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`)
  }
  return number
}

/** A number within bounds (fractions allowed), or a usage error naming the flag. */
export function numberFlag(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (value.trim() === '' || Number.isNaN(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${value}"`)
  }
  return number
}

export function httpUrlFlag(name: string, value: string): string {
  let protocol = ''
  try {
    protocol = new URL(value).protocol
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(`--${name} must be an http(s) URL, got "${value}"`)
  }
  return value
}
