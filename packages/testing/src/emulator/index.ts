export type { ApiRequestRecord } from './api-server.js'
export { EMULATED_API_VERSION } from './api-version.js'
export type { ClerkErrorJSON, ClerkErrorsJSON } from './clerk-errors.js'
export { EmulatorStateError } from './emulator-state.js'
export { sessionTokenFromState } from './offline-session-token.js'
export type { ClerkEmulatorOptions } from './options.js'
export { PASSWORD_HASHERS, type PasswordDigest, type PasswordHasher } from './password-digest.js'
export type { RateLimitOptions } from './rate-limiter.js'
export { SVIX_RETRY_SCHEDULE_MS, SVIX_TIMEOUT_MS } from './retry-schedule.js'
export type { SessionTokenOptions, SessionTokenState } from './session-token.js'
export {
  EMULATOR_HEADER,
  MAX_TOKEN_LIFETIME_SECONDS,
  SESSION_TOKENS_PATH,
} from './session-tokens-route.js'
export {
  type ClerkEmulator,
  type EmittedEvent,
  type SeedUserOptions,
  startClerkEmulator,
} from './start-clerk-emulator.js'
export type { UserEventType } from './users-routes.js'
export type { DeliveryAttempt } from './webhook-dispatcher.js'
