/** Everything the app reads from its environment, checked once at start-up. */
export interface AppConfig {
  port: number
  /** Postgres (node-postgres) when set; embedded PGlite otherwise. */
  databaseUrl: string | undefined
  /** PGlite's data directory (`memory://` for none); ignored with `databaseUrl`. */
  pgliteDataDir: string
  /** `sk_…`: the Backend API key of the Clerk instance (or the emulator's). */
  secretKey: string
  /** `pk_…`: clerkMiddleware needs it to verify session tokens. */
  publishableKey: string
  /** Clerk's Backend API; the emulator's URL in development. `@clerk/backend` ignores the env variable, so it is passed on. */
  apiUrl: string | undefined
  /** `whsec_…` of the webhook endpoint. */
  signingSecret: string
  /**
   * The app's public origins (`APP_URL`, comma-separated): a session token must name one as its
   * `azp`, as a browser's does, so one minted for another site's page is refused.
   */
  authorizedParties: string[] | undefined
}

/** The default PGlite data directory, relative to where the app starts (gitignored). */
export const DEFAULT_PGLITE_DATA_DIR = '.pglite'

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const required = {
    secretKey: 'CLERK_SECRET_KEY',
    publishableKey: 'CLERK_PUBLISHABLE_KEY',
    signingSecret: 'CLERK_WEBHOOK_SIGNING_SECRET',
  } as const
  const missing = Object.values(required).filter((name) => !env[name])
  if (missing.length > 0) {
    throw new Error(
      `Missing ${missing.join(', ')}. Copy .env.example to .env and fill it in: from the Clerk ` +
        'Dashboard, or from the lines `npx clerk-sync emulator` prints.',
    )
  }
  const parties = env.APP_URL?.split(',')
    .map((url) => url.trim())
    .filter(Boolean)
    .map((url) => new URL(url).origin)
  return {
    port: Number(env.PORT ?? 3000),
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDataDir: env.PGLITE_DATA_DIR || DEFAULT_PGLITE_DATA_DIR,
    secretKey: env.CLERK_SECRET_KEY as string,
    publishableKey: env.CLERK_PUBLISHABLE_KEY as string,
    apiUrl: env.CLERK_API_URL || undefined,
    signingSecret: env.CLERK_WEBHOOK_SIGNING_SECRET as string,
    authorizedParties: parties && parties.length > 0 ? parties : undefined,
  }
}
