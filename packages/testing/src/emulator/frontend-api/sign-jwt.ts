import { createSign, type KeyObject } from 'node:crypto'

/** An RS256 JWT with the header Clerk signs with (`kid` is the instance id the JWKS names). */
export function signJwt(payload: object, key: { kid: string; privateKey: KeyObject }): string {
  const header = { alg: 'RS256', kid: key.kid, typ: 'JWT' }
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode(header)}.${encode(payload)}`
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey)
  return `${input}.${signature.toString('base64url')}`
}
