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
  // Plain records may keep the sender's casing; two keys differing only in case are two values.
  const record = headers as Record<string, string | readonly string[] | undefined>
  const values = Object.keys(record)
    .filter((key) => key.toLowerCase() === name && record[key] !== undefined)
    .map((key) => record[key] as string | readonly string[])
  return values.length > 1 ? values.flat() : values[0]
}

/**
 * Runtimes merge a repeated header into one value joined by ", " (fetch `Headers`, Node's
 * `IncomingHttpHeaders` for unknown names). No valid value of these three contains that.
 */
function looksMerged(name: string, value: string): boolean {
  if (name !== 'svix-signature') return value.includes(',')
  // A joined blank second value may be left as a bare trailing comma once whitespace is trimmed
  // ("v1,sig,"); "v1," alone is one malformed signature, not two headers.
  return /,\s/.test(value) || (/,\s*$/.test(value) && value.split(',').length > 2)
}

// Svix ids are `msg_` and a few dozen letters; anything else is not from Svix.
const EVENT_ID = /^[\x21-\x7e]{1,255}$/

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
    // Judged before trimming: a repeated header whose second value is blank joins as "v1,…, ",
    // and the trim would remove exactly the ", " that shows it.
    else if (looksMerged(name, value as string)) {
      return { ok: false, message: `Header ${name} was sent more than once` }
    }
    values.push(trimmed)
  }
  if (missing.length)
    return { ok: false, message: `Missing or empty webhook headers: ${missing.join(', ')}` }
  const [id, timestamp, signature] = values as [string, string, string]
  if (!EVENT_ID.test(id)) return { ok: false, message: 'Header svix-id is not a Svix message id' }
  return { ok: true, headers: { id, timestamp, signature } }
}
