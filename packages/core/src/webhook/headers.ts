/**
 * Headers as the frameworks hand them over: a fetch `Headers`, a plain record, or Node's
 * `IncomingHttpHeaders` (where a repeated header may arrive as an array).
 */
export type HeadersInput =
  | Headers
  | Record<string, string | readonly string[] | undefined>
  | ReadonlyArray<readonly [string, string]>

export interface SvixHeaders {
  id: string
  timestamp: string
  signature: string
}

export type SvixHeadersResult = { ok: true; headers: SvixHeaders } | { ok: false; message: string }

const names = ['svix-id', 'svix-timestamp', 'svix-signature'] as const

function lookup(headers: HeadersInput, name: string): string | readonly string[] | undefined {
  if (
    typeof (headers as Headers).get === 'function' &&
    typeof (headers as Headers).has === 'function'
  ) {
    return (headers as Headers).get(name) ?? undefined
  }
  if (Array.isArray(headers)) {
    const values = (headers as ReadonlyArray<readonly [string, string]>)
      .filter(([key]) => key.toLowerCase() === name)
      .map(([, value]) => value)
    return values.length > 1 ? values : values[0]
  }
  const record = headers as Record<string, string | readonly string[] | undefined>
  if (name in record) return record[name]
  // Plain records may keep the sender's casing.
  for (const key of Object.keys(record)) if (key.toLowerCase() === name) return record[key]
  return undefined
}

/** Reads the three `svix-*` headers strictly: present, not blank, one value each. */
export function readSvixHeaders(headers: HeadersInput): SvixHeadersResult {
  const missing: string[] = []
  const values: string[] = []
  for (const name of names) {
    const value = lookup(headers, name)
    if (Array.isArray(value) || (typeof value !== 'string' && value !== undefined)) {
      return { ok: false, message: `Header ${name} was sent more than once` }
    }
    const trimmed = typeof value === 'string' ? value.trim() : ''
    if (trimmed === '') missing.push(name)
    values.push(trimmed)
  }
  if (missing.length)
    return { ok: false, message: `Missing or empty webhook headers: ${missing.join(', ')}` }
  const [id, timestamp, signature] = values as [string, string, string]
  return { ok: true, headers: { id, timestamp, signature } }
}
