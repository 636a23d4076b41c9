import { apiErrors } from './clerk-errors.js'

export type JsonObject = Record<string, unknown>

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The body schemas are `additionalProperties: false`: Clerk answers 422 to the first stranger. */
export function rejectUnknownParams(body: JsonObject, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw apiErrors.paramUnknown(key)
  }
}

// A JSON type mismatch fails Clerk's decoder before any validation, hence 400, not 422.
function wrongType(name: string, expected: string): never {
  throw apiErrors.bodyInvalid(`${name} must be ${expected}`)
}

/** `undefined` when absent, `null` when sent as null, else the string. */
export function stringParam(body: JsonObject, name: string): string | null | undefined {
  const value = body[name]
  if (value === undefined || value === null) return value
  if (typeof value !== 'string') wrongType(name, 'a string')
  return value
}

export function booleanParam(body: JsonObject, name: string): boolean | null | undefined {
  const value = body[name]
  if (value === undefined || value === null) return value
  if (typeof value !== 'boolean') wrongType(name, 'a boolean')
  return value
}

export function integerParam(body: JsonObject, name: string): number | null | undefined {
  const value = body[name]
  if (value === undefined || value === null) return value
  if (typeof value !== 'number' || !Number.isInteger(value)) wrongType(name, 'an integer')
  return value
}

export function stringArrayParam(body: JsonObject, name: string): string[] | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    wrongType(name, 'an array of strings')
  }
  return value as string[]
}

export function objectParam(body: JsonObject, name: string): JsonObject | null | undefined {
  const value = body[name]
  if (value === undefined || value === null) return value
  if (!isPlainObject(value)) wrongType(name, 'an object')
  return value
}

/** RFC 3339 date-time strings (`created_at`, `legal_accepted_at` in bodies) to milliseconds. */
export function timestampParam(body: JsonObject, name: string): number | null | undefined {
  const value = stringParam(body, name)
  if (value === undefined || value === null) return value
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i
  const ms = Date.parse(value)
  if (!rfc3339.test(value) || Number.isNaN(ms)) {
    throw apiErrors.paramFormatInvalid(name, `${name} must be a valid RFC3339 date-time.`)
  }
  return ms
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const E164 = /^\+[1-9]\d{6,14}$/

export function checkEmail(param: string, address: string): void {
  if (!EMAIL.test(address)) {
    throw apiErrors.paramFormatInvalid(param, `${param} must be a valid email address.`)
  }
}

export function checkPhone(param: string, number: string): void {
  if (!E164.test(number)) {
    throw apiErrors.paramFormatInvalid(
      param,
      `${param} must be a valid phone number according to E.164 international standard.`,
    )
  }
}

export function checkUsername(username: string): void {
  if (username.length < 4 || username.length > 64) throw apiErrors.usernameLength()
}

export function checkPassword(password: string): void {
  if (password.length < 8) throw apiErrors.passwordTooShort()
}
