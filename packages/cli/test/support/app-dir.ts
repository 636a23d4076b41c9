/**
 * A throwaway app directory, laid out as an app that installed clerk-sync: its own
 * clerk-sync.config.ts and node_modules links to the packages the config imports. The
 * @clerk-sync/* packages are read from their TypeScript sources (JITI_ALIAS, which the CLI's
 * config loader honours), so no build is needed.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const repoRoot = resolve(import.meta.dirname, '../../../..')
const pkg = (path: string) => join(repoRoot, 'packages', path)

const links: Record<string, string> = {
  '@clerk/backend': join(repoRoot, 'node_modules/@clerk/backend'),
  'drizzle-orm': pkg('store-drizzle/node_modules/drizzle-orm'),
  'better-sqlite3': pkg('store-drizzle/node_modules/better-sqlite3'),
  '@clerk-sync/core': pkg('core'),
  '@clerk-sync/drizzle': pkg('store-drizzle'),
  // Queue mode (queue-*.test.ts): Drizzle on node-postgres and pg-boss.
  pg: join(repoRoot, 'node_modules/pg'),
  'pg-boss': pkg('queue-pg-boss/node_modules/pg-boss'),
  '@clerk-sync/queue-pg-boss': pkg('queue-pg-boss'),
  '@clerk-sync/testing': pkg('testing'),
}

/** What the config loader reads instead of the packages' built dist. */
export const sourceAliases = JSON.stringify({
  '@clerk-sync/core': pkg('core/src'),
  '@clerk-sync/drizzle': pkg('store-drizzle/src'),
  '@clerk-sync/queue-pg-boss': pkg('queue-pg-boss/src'),
})

export interface AppDir {
  dir: string
  /** Writes a file in the app (e.g. a config), making folders as needed; returns its path. */
  write(name: string, text: string): string
}

/** A symbolic link to a folder, its parent folders made as needed. */
function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  symlinkSync(target, path, 'dir')
}

export function makeAppDir(prefix = 'clerk-sync-cli-app-'): AppDir {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (const [name, target] of Object.entries(links)) link(target, join(dir, 'node_modules', name))
  return {
    dir,
    write(name, text) {
      const path = join(dir, name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text)
      return path
    },
  }
}

/**
 * The config a real app writes: Drizzle over a SQLite file (so the store outlives each CLI
 * process) and @clerk/backend's client, both from environment variables.
 */
export const SQLITE_CONFIG = `import { createClerkClient } from '@clerk/backend'
import { createClerkSync, silentLogger } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'

export default async () => {
  const sqlite = new Database(process.env.TEST_SQLITE_FILE!)
  const db = drizzle(sqlite)
  await applyMigrations(db)
  const sync = createClerkSync({
    store: drizzleStore(db),
    signingSecret: process.env.CLERK_WEBHOOK_SIGNING_SECRET,
    logger: silentLogger,
  })
  const clerk = createClerkClient({
    apiUrl: process.env.CLERK_API_URL!,
    secretKey: process.env.CLERK_SECRET_KEY!,
  })
  return { sync, clerk, close: () => sqlite.close() }
}
`
