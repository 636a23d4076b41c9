/**
 * The test's own view of the SQLite file a CLI run wrote: the same Drizzle store, opened in the
 * test process. better-sqlite3 and drizzle-orm are the Drizzle store's dev dependencies, so they
 * are loaded from there.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { createClerkSync, silentLogger, type UserStore } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { repoRoot } from './app-dir.js'

const requireFromDrizzleStore = createRequire(join(repoRoot, 'packages/store-drizzle/package.json'))

interface SqliteConnection {
  close(): void
  prepare(sql: string): { run(...params: unknown[]): unknown; all(...params: unknown[]): unknown[] }
  exec(sql: string): void
}
const Database = requireFromDrizzleStore('better-sqlite3') as new (file: string) => SqliteConnection
const { drizzle } = requireFromDrizzleStore('drizzle-orm/better-sqlite3') as {
  drizzle: (client: SqliteConnection) => Parameters<typeof drizzleStore>[0]
}

export interface OpenedStore {
  sqlite: SqliteConnection
  store: UserStore
  sync: ReturnType<typeof createClerkSync>
  close(): void
}

export async function openSqliteStore(file: string, signingSecret: string): Promise<OpenedStore> {
  const sqlite = new Database(file)
  const db = drizzle(sqlite)
  await applyMigrations(db)
  const store = drizzleStore(db)
  const sync = createClerkSync({ store, signingSecret, logger: silentLogger })
  return { sqlite, store, sync, close: () => sqlite.close() }
}

/** Every live user in the store, by id. */
export async function allUsers(store: UserStore) {
  const users = new Map<string, Awaited<ReturnType<UserStore['getUser']>> & object>()
  let cursor: string | null = null
  do {
    const page = await store.listUsers({ limit: 500, cursor })
    for (const user of page.users) users.set(user.id, user)
    cursor = page.nextCursor
  } while (cursor)
  return users
}
