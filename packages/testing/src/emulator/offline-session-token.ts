import { EmulatorStateError, readEmulatorState, stateSigningKey } from './emulator-state.js'
import { type SessionTokenOptions, signSessionToken } from './session-token.js'

/**
 * A session token signed from a state file, without the emulator running (or with it running:
 * the file holds the same key). Undefined when the file has no user `userId`; the file is
 * written within a moment of each change, so a user created a few ms ago may not be there yet.
 */
export function sessionTokenFromState(
  statePath: string,
  userId: string,
  claims?: Record<string, unknown>,
  options?: SessionTokenOptions,
): string | undefined {
  const state = readEmulatorState(statePath)
  if (!state) {
    throw new EmulatorStateError(
      `there is no emulator state file at ${statePath}: start the emulator with it first ` +
        `(clerk-sync emulator --state ${statePath}, or startClerkEmulator({ statePath }))`,
      statePath,
    )
  }
  if (!state.users.some((user) => user.id === userId)) return undefined
  const context = {
    instanceId: state.instanceId,
    issuer: `http://${state.frontendApi}`,
    privateKey: stateSigningKey(state, statePath),
  }
  return signSessionToken(context, userId, claims, options)
}
