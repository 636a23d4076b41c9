import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto'
import { randomId } from '../sign-webhook.js'

export interface InstanceKeys {
  instanceId: string
  secretKey: string
  /** The RS256 public key as SPKI PEM: what Clerk's dashboard shows as the "JWT public key". */
  jwtKey: string
  privateKey: KeyObject
  publicKey: KeyObject
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

function randomAlphanumeric(length: number): string {
  let out = ''
  for (const byte of randomBytes(length)) out += ALPHANUMERIC[byte % ALPHANUMERIC.length]
  return out
}

/** `sk_test_` and 40 characters: the shape of a development instance's secret key. */
export function generateSecretKey(): string {
  return `sk_test_${randomAlphanumeric(40)}`
}

/**
 * `pk_test_` + base64(`<frontendApi>$`) without padding, as `@clerk/shared`'s
 * `buildPublishableKey` makes it; `parsePublishableKey` insists on the `$` and a `.` in the host.
 */
export function publishableKeyFor(frontendApi: string): string {
  return `pk_test_${Buffer.from(`${frontendApi}$`).toString('base64').replace(/=+$/, '')}`
}

/**
 * RSA-2048 with e=65537 is not a choice: `@clerk/backend` turns a PEM `jwtKey` into a JWK by
 * cutting fixed byte prefixes off the base64 (tokens/keys.ts), which only lines up for that size.
 */
export function generateRsaKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
}

function keysFrom(instanceId: string, secretKey: string, privateKey: KeyObject): InstanceKeys {
  const publicKey = createPublicKey(privateKey)
  return {
    instanceId,
    secretKey,
    jwtKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    publicKey,
  }
}

export function createInstanceKeys(options: { secretKey?: string }): InstanceKeys {
  const { privateKey } = generateRsaKeyPair()
  return keysFrom(randomId('ins'), options.secretKey ?? generateSecretKey(), privateKey)
}

/** The keys of an earlier run, read back from a state file. */
export function restoreInstanceKeys(saved: {
  instanceId: string
  secretKey: string
  privateKey: KeyObject
}): InstanceKeys {
  return keysFrom(saved.instanceId, saved.secretKey, saved.privateKey)
}
