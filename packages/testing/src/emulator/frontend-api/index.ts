import type { KeyObject } from 'node:crypto'
import type { SideRoute } from '../side-route.js'
import type { UserDirectory } from '../user-directory.js'

/** What the Frontend API needs from the emulator it runs in. */
export interface FrontendApiContext {
  directory: UserDirectory
  instanceId: string
  /** `emulator.localhost:PORT` (what the publishable key encodes). */
  frontendApi: string
  /** `http://emulator.localhost:PORT`: the `iss` of session tokens. */
  issuer: string
  publishableKey: string
  privateKey: KeyObject
  /** A fresh, valid session token for an existing user (with the given session id). */
  sessionToken(userId: string, claims?: Record<string, unknown>): string
}

/** Placeholder: answers nothing until the Frontend API lands. */
export function frontendApiRoutes(_context: FrontendApiContext): SideRoute {
  return () => false
}
