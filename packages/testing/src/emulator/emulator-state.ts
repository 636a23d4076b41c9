import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ClerkUserFixture } from '../fixtures/clerk-user.js'
import { writeFileAtomicSync } from './atomic-write.js'
import { isPlainObject } from './body-params.js'
import type { PasswordDigest } from './password-digest.js'
import { savedUserProblem } from './saved-user-shape.js'
import type { UserDirectory } from './user-directory.js'

export const STATE_FILE_KIND = 'clerk-sync-emulator-state'
export const STATE_FILE_VERSION = 1

/** What `statePath` keeps across restarts: the instance's keys, its signing secret and its users. */
export interface EmulatorStateFile {
  kind: typeof STATE_FILE_KIND
  version: typeof STATE_FILE_VERSION
  instanceId: string
  secretKey: string
  /** The RS256 signing key, PKCS#8 PEM: the JWKS and `CLERK_JWT_KEY` stay the same. */
  privateKey: string
  signingSecret: string
  /** Listened on last; tried again when no port is asked for, so the URLs stay the same. */
  port: number
  /**
   * The Frontend API host of the last run (`127.0.0.1:PORT` by default, `emulator.localhost:PORT`
   * for a host without a dot): the `iss` of tokens signed from this file.
   */
  frontendApi: string
  /** Clerk's users in the order they were created or seeded (the tie-break of `created_at`). */
  users: ClerkUserFixture[]
  passwordDigests: Record<string, PasswordDigest>
}

/** A state file that cannot be used as it is. Nothing was written to it. */
export class EmulatorStateError extends Error {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'EmulatorStateError'
  }
}

const WHAT_TO_DO =
  'It was left as it is. Move it away (or delete it) to start with fresh keys, a fresh signing ' +
  'secret and no users; your app then needs the new CLERK_SECRET_KEY, CLERK_WEBHOOK_SIGNING_SECRET ' +
  'and CLERK_PUBLISHABLE_KEY the emulator prints.'

function damaged(path: string, what: string, cause?: unknown): EmulatorStateError {
  return new EmulatorStateError(
    `the emulator state file ${path} cannot be used: ${what}. ${WHAT_TO_DO}`,
    path,
    { cause },
  )
}

/** The signing key, checked to be what `@clerk/backend` can read as a PEM (RSA-2048). */
export function stateSigningKey(state: EmulatorStateFile, path: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(state.privateKey)
  } catch (error) {
    throw damaged(
      path,
      `its privateKey is not a PEM private key (${(error as Error).message})`,
      error,
    )
  }
  if (key.asymmetricKeyType !== 'rsa' || key.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw damaged(path, 'its privateKey is not an RSA-2048 key')
  }
  return key
}

function checkUsers(users: unknown, path: string): asserts users is ClerkUserFixture[] {
  if (!Array.isArray(users)) throw damaged(path, '"users" is not a list')
  for (const [index, user] of users.entries()) {
    const problem = savedUserProblem(user)
    if (problem) {
      const id = isPlainObject(user) && typeof user.id === 'string' ? ` (${user.id})` : ''
      throw damaged(path, `users[${index}]${id}: ${problem}`)
    }
  }
}

function parseState(text: string, path: string): EmulatorStateFile {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw damaged(path, `it is not valid JSON (${(error as Error).message})`, error)
  }
  if (!isPlainObject(value) || value.kind !== STATE_FILE_KIND) {
    throw damaged(path, `it is not an emulator state file (no "kind": "${STATE_FILE_KIND}")`)
  }
  if (value.version !== STATE_FILE_VERSION) {
    const newer = typeof value.version === 'number' && value.version > STATE_FILE_VERSION
    throw new EmulatorStateError(
      `the emulator state file ${path} has version ${JSON.stringify(value.version)}; this ` +
        `clerk-sync reads version ${STATE_FILE_VERSION}${newer ? ' (the file was written by a newer clerk-sync: upgrade it)' : ''}. ${WHAT_TO_DO}`,
      path,
    )
  }
  const strings = ['instanceId', 'secretKey', 'privateKey', 'signingSecret', 'frontendApi'] as const
  for (const field of strings) {
    if (typeof value[field] !== 'string' || value[field] === '') {
      throw damaged(path, `"${field}" is missing`)
    }
  }
  if (!/^sk_(test|live)_\S+$/.test(value.secretKey as string)) {
    throw damaged(path, '"secretKey" is not an sk_test_… key')
  }
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(value.signingSecret as string)) {
    throw damaged(path, '"signingSecret" is not a whsec_… secret')
  }
  const port = value.port
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
    throw damaged(path, '"port" is not a port number')
  }
  checkUsers(value.users, path)
  if (!isPlainObject(value.passwordDigests))
    throw damaged(path, '"passwordDigests" is not an object')
  const state = value as unknown as EmulatorStateFile
  stateSigningKey(state, path)
  return state
}

/** The state kept at `path`, or undefined when there is no file yet. Throws EmulatorStateError. */
export function readEmulatorState(path: string): EmulatorStateFile | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new EmulatorStateError(
      `cannot read the emulator state file ${path}: ${(error as Error).message}`,
      path,
      { cause: error },
    )
  }
  return parseState(text, path)
}

/** Atomically, mode 0600: the file holds the secret key and the signing key. */
export function writeEmulatorState(path: string, state: EmulatorStateFile): void {
  writeFileAtomicSync(path, `${JSON.stringify(state)}\n`, 0o600)
}

/** Puts the saved users and digests back; users that clash (an id or email twice) are damage. */
export function restoreUsers(
  directory: UserDirectory,
  state: EmulatorStateFile,
  path: string,
): void {
  for (const [id, digest] of Object.entries(state.passwordDigests)) {
    if (
      !isPlainObject(digest) ||
      typeof digest.digest !== 'string' ||
      typeof digest.hasher !== 'string'
    ) {
      throw damaged(path, `passwordDigests.${id} is not { digest, hasher }`)
    }
  }
  try {
    directory.seed(state.users)
  } catch (error) {
    throw damaged(path, `its users clash (${(error as Error).message})`, error)
  }
  for (const [id, digest] of Object.entries(state.passwordDigests)) {
    if (directory.stored(id)) directory.setPasswordDigest(id, digest)
  }
}
