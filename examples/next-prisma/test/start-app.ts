import { type ChildProcess, execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import {
  type ClerkEmulator,
  type ClerkEmulatorOptions,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { spawnBoundChild, stopChild } from '../../../test-support/bound-child-process.js'
import { freePort } from '../../../test-support/http.js'
import { appDir, buildApp, cleanEnv, nextBin } from './support/build-app.js'
import { createScratchDatabase, type ScratchDatabase } from './support/scratch-database.js'

export interface StartedApp {
  /** `http://localhost:PORT`: the app (the origin browsers should use; also its APP_URL). */
  baseUrl: string
  /** The emulator the app talks to (its Backend API, webhooks, session tokens). */
  clerk: ClerkEmulator
  /** The run's own Postgres database, migrated by scripts/migrate.mjs. */
  database: ScratchDatabase
  /** What `next start` printed so far (for failure messages). */
  output(): string
  /** Stops the app and the emulator, and drops the database. */
  stop(): Promise<void>
}

export interface StartAppOptions {
  /** Passed to startClerkEmulator (its webhook endpoint is added once the app listens). */
  emulator?: ClerkEmulatorOptions
  /** More environment for `next start` (NEXT_PUBLIC_CLERK_SIGN_IN_URL, say). */
  env?: Record<string, string>
  /** Called with the emulator before the app starts, to derive more environment from it. */
  envFrom?: (clerk: ClerkEmulator) => Record<string, string>
}

async function waitUntilAnswering(url: string, server: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (server.exitCode !== null) throw new Error(`next start exited:\n${output()}`)
    try {
      await fetch(url, { redirect: 'manual' })
      return
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`next start never answered:\n${output()}`, { cause: error })
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

/**
 * The built example against the emulator and a fresh Postgres database: generates the Prisma
 * client and builds once for every test file (test/support/build-app.ts), creates and migrates a
 * database, starts the emulator, then `next start` on a free port with the emulator's keys, and
 * subscribes the app's webhook route to the emulator. Needs Postgres (check postgresUnavailable()
 * from test-support/databases.ts first).
 */
export async function startApp(options: StartAppOptions = {}): Promise<StartedApp> {
  await buildApp()
  const database = await createScratchDatabase('next_prisma')
  let clerk: ClerkEmulator | undefined
  let server: ChildProcess | undefined
  const lines: string[] = []
  const output = () => lines.join('')
  // SIGTERM, then SIGKILL after a grace period; each cleanup runs even if one before it threw,
  // so the database is dropped whatever happened to the server.
  const stop = async () => {
    try {
      if (server) await stopChild(server)
    } finally {
      try {
        await clerk?.close()
      } finally {
        await database.drop()
      }
    }
  }
  try {
    await promisify(execFile)(process.execPath, [join(appDir, 'scripts', 'migrate.mjs')], {
      env: { ...cleanEnv(), DATABASE_URL: database.url },
    })
    clerk = await startClerkEmulator(options.emulator)
    const port = await freePort()
    // `localhost`, not 127.0.0.1: clerkMiddleware's rewrites go to localhost. No --hostname
    // for the same reason (see examples/next-app/README.md): next start listens on every address.
    const baseUrl = `http://localhost:${port}`
    // Bound to this process (test-support/bound-child-process.ts): should it end without stop()
    // (a test that threw before its cleanup, a worker torn down), the server must not live on.
    server = spawnBoundChild([nextBin, 'start', '--port', String(port)], {
      cwd: appDir,
      env: {
        ...cleanEnv(),
        DATABASE_URL: database.url,
        APP_URL: baseUrl,
        CLERK_SECRET_KEY: clerk.secretKey,
        NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
        CLERK_WEBHOOK_SIGNING_SECRET: clerk.signingSecret,
        CLERK_API_URL: clerk.apiUrl,
        // Browsers sign in on the emulator: the handshake goes to its Frontend API over http
        // (from the publishable key alone Clerk would use https), signed-out visitors to its page.
        NEXT_PUBLIC_CLERK_PROXY_URL: clerk.frontendApiUrl,
        NEXT_PUBLIC_CLERK_SIGN_IN_URL: clerk.signInUrl,
        ...options.envFrom?.(clerk),
        ...options.env,
      },
    })
    server.stdout?.on('data', (chunk) => lines.push(String(chunk)))
    server.stderr?.on('data', (chunk) => lines.push(String(chunk)))
    await waitUntilAnswering(`${baseUrl}/api/webhooks`, server, output)
    clerk.addWebhookEndpoint(`${baseUrl}/api/webhooks`)
    return { baseUrl, clerk, database, output, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
