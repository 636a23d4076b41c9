import { apiErrors } from './clerk-errors.js'

/** The Backend API version this emulator implements (bapi.yml, `info.version`). */
export const EMULATED_API_VERSION = '2026-05-12'

/** Versions published in clerk/openapi-specs `bapi/`; Clerk refuses any other. */
const KNOWN_VERSIONS = new Set([
  '2021-02-05',
  '2024-10-01',
  '2025-03-12',
  '2025-04-10',
  '2025-11-10',
  '2025-12-03',
  EMULATED_API_VERSION,
])

/**
 * The version a request asks for, by `Clerk-API-Version` header or `__clerk_api_version` query
 * parameter; both at once, or an unknown one, is a 400 as at Clerk. Without either the
 * emulator answers as 2026-05-12.
 */
export function requestedApiVersion(header: string | undefined, query: string | null): string {
  if (header && query)
    throw apiErrors.apiVersionInvalid('give the version in a header or a query parameter, not both')
  const version = header ?? query ?? EMULATED_API_VERSION
  if (!KNOWN_VERSIONS.has(version)) throw apiErrors.apiVersionInvalid(`unknown version ${version}`)
  return version
}

/** Before 2026-05-12, `PATCH /users/{id}` still took (and replaced) the metadata fields. */
export function acceptsMetadataOnUpdate(version: string): boolean {
  return version < EMULATED_API_VERSION
}
