import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * An independent Standard Webhooks (Svix) verifier, written from the scheme for the property
 * tests to judge clerk-sync by: exactly one non-blank value each of `svix-id`, `svix-timestamp` (decimal seconds,
 * no sign, no fraction, within `toleranceSeconds` of `nowSeconds`) and `svix-signature` (space
 * separated `v1,<base64 HMAC-SHA256(key, "id.timestamp." + body)>` entries; one match suffices).
 */
export function signatureHolds(options: {
  secret: string
  headers: Array<[string, string]>
  body: Buffer
  nowSeconds: number
  toleranceSeconds?: number
}): boolean {
  const one = (name: string) => {
    // A blank header line carries nothing; any two real values are refused.
    const values = options.headers
      .filter(([n, v]) => n.toLowerCase() === name && v.trim() !== '')
      .map(([, v]) => v)
    return values.length === 1 ? values[0]?.trim() : undefined
  }
  const id = one('svix-id')
  const timestamp = one('svix-timestamp')
  const signature = one('svix-signature')
  if (!id || !timestamp || !signature) return false
  if (!/^[1-9][0-9]*$/.test(timestamp)) return false
  if (Math.abs(options.nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300))
    return false
  const key = Buffer.from(options.secret.replace(/^whsec_/, ''), 'base64')
  const expected = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), options.body]))
    .digest()
  return signature.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2)
    if (version !== 'v1' || !value) return false
    const given = Buffer.from(value, 'base64')
    return given.byteLength === expected.byteLength && timingSafeEqual(given, expected)
  })
}
