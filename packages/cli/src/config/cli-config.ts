import type { ClerkSync, ClerkUsersApi, LegacyUserSource } from '@clerk-sync/core'

/** `@clerk/backend`'s client, as far as the CLI uses it (`createClerkClient({ secretKey })`). */
export type CliClerkClient = ClerkUsersApi & {
  /** Asked once per run, when there, for an ETA. */
  users: { getCount?: () => Promise<number> }
}

/** What a `clerk-sync.config.*` factory returns. */
export interface CliConfig {
  sync: ClerkSync<string>
  clerk: CliClerkClient
  /** Releases the pools the factory opened, so the process can exit. */
  close: () => void | Promise<void>
  /** For `import-legacy`: the app's users without a Clerk account yet. */
  legacyUsers?: LegacyUserSource
}

/** A loaded config and where it came from (a backfill's checkpoint lives beside it). */
export interface LoadedConfig extends CliConfig {
  path: string
}
