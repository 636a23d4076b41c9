import { isPlainObject, type JsonObject } from './body-params.js'
import { apiErrors } from './clerk-errors.js'

/** Clerk caps each metadata field at 8 KB (clerk-docs `metadata-callout.mdx`). */
export const METADATA_MAX_BYTES = 8 * 1024

/**
 * `PATCH /users/{id}/metadata` semantics: nested objects merge, any other value replaces, and
 * `null` removes the key at any depth. Returns a new object; the inputs are left alone.
 */
export function deepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = structuredClone(target)
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key]
    } else if (isPlainObject(value) && isPlainObject(result[key])) {
      result[key] = deepMerge(result[key] as JsonObject, value)
    } else {
      result[key] = withoutNulls(value)
    }
  }
  return result
}

// A null nested in a brand-new object is also a removal, so it never lands in the stored value.
function withoutNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return structuredClone(value)
  const out: JsonObject = {}
  for (const [key, inner] of Object.entries(value)) {
    if (inner !== null) out[key] = withoutNulls(inner)
  }
  return out
}

export function checkMetadataSize(param: string, value: unknown): void {
  if (Buffer.byteLength(JSON.stringify(value ?? {})) > METADATA_MAX_BYTES) {
    throw apiErrors.paramTooLarge(param, `${param} exceeds the maximum allowed size of 8KB.`)
  }
}
