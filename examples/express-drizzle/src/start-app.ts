import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ClerkClient, createClerkClient } from '@clerk/backend'
import { createRoleManager, type Logger, type RoleManager } from '@clerk-sync/core'
import { createApp } from './app.js'
import type { AppConfig } from './config.js'
import { type AppDatabase, openDatabase } from './db.js'
import { migrate } from './migrations.js'
import { type AppRole, type AppSync, createSync } from './sync.js'

export interface RunningApp {
  /** `http://host:port`, the webhook route at `${url}/api/webhooks`. */
  url: string
  server: Server
  db: AppDatabase
  databaseDescription: string
  sync: AppSync
  clerk: ClerkClient
  roleManager: RoleManager<AppRole>
  /** Stops accepting requests, then closes the database. */
  close(): Promise<void>
}

export interface StartOptions {
  /** Default `config.port`; 0 for any free port. */
  port?: number
  /** Default: every interface, as `app.listen(port)`. */
  host?: string
  logger?: Logger
  /** For an in-memory PGlite: a dumped empty cluster to load instead of running initdb. */
  pgliteTemplate?: Blob
}

/**
 * Opens the database, migrates it, and serves the app: what `main.ts` runs, and what the demo
 * and the end-to-end test start in their own process.
 */
export async function startApp(config: AppConfig, options: StartOptions = {}): Promise<RunningApp> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
    pgliteTemplate: options.pgliteTemplate,
    onPoolError: (error) =>
      (options.logger ?? console).warn(`postgres connection error: ${error.message}`),
  })
  try {
    await migrate(database.db)
    const sync = createSync(database.db, {
      signingSecret: config.signingSecret,
      ...(options.logger ? { logger: options.logger } : {}),
    })
    // @clerk/backend reads no CLERK_API_URL of its own: the emulator's URL is passed here.
    const clerk = createClerkClient({
      secretKey: config.secretKey,
      publishableKey: config.publishableKey,
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
    })
    const roleManager = createRoleManager({ clerk, sync })
    const app = createApp({
      db: database.db,
      sync,
      roleManager,
      clerk,
      publishableKey: config.publishableKey,
      secretKey: config.secretKey,
      apiUrl: config.apiUrl,
      authorizedParties: config.authorizedParties,
      ...(options.logger ? { logger: options.logger } : {}),
    })
    const port = options.port ?? config.port
    const server = await new Promise<Server>((resolve, reject) => {
      // Express 5 passes a listen error (a port in use) to this callback.
      const done = (error?: Error) => (error ? reject(error) : resolve(listening))
      const listening = options.host ? app.listen(port, options.host, done) : app.listen(port, done)
    })
    const address = server.address() as AddressInfo
    const host = options.host && options.host !== '0.0.0.0' ? options.host : 'localhost'
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
      server,
      db: database.db,
      databaseDescription: database.description,
      sync,
      clerk,
      roleManager,
      async close() {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await database.close()
      },
    }
  } catch (error) {
    await database.close()
    throw error
  }
}
