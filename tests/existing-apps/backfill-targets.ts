import { createServer, type Server } from 'node:http'
import { createClerkClient } from '@clerk/backend'
import {
  type ClerkSync,
  createClerkSync,
  MemoryStore,
  type SyncedUser,
  silentLogger,
  type UserStore,
} from '@clerk-sync/core'
import { handleNodeWebhook } from '@clerk-sync/core/node'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { generateSigningSecret } from '@clerk-sync/testing'
import {
  type ClerkEmulator,
  type SeedUserOptions,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import {
  mysqlDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from '../../packages/store-drizzle/test/support/connections.js'
import { mysqlUnavailable, postgresUnavailable } from '../../test-support/databases.js'
import { listenOnLoopback } from '../../test-support/http.js'
import type { RawDatabase } from '../../test-support/raw-database.js'
import { emptyTables } from '../../test-support/sql-harness.js'

/** A store to backfill into; `raw` (SQL stores) lets a test edit rows behind clerk-sync's back. */
export interface OpenStore {
  store: UserStore
  raw: RawDatabase | null
  /** Empties the store between tests. */
  reset(): Promise<UserStore>
  close(): Promise<void>
}

export interface StoreTarget {
  name: string
  /** False, or why the target's tests are skipped (no database server; throws under CI). */
  skip: string | false
  open(): Promise<OpenStore>
}

async function sqlTarget(open: () => Promise<TestDatabase> | TestDatabase): Promise<OpenStore> {
  const database = await open()
  await applyMigrations(database.db)
  return {
    store: drizzleStore(database.db),
    raw: database.raw,
    async reset() {
      await emptyTables(database.raw, ['clerk_sync_users'])
      return drizzleStore(database.db)
    },
    close: () => database.close(),
  }
}

export async function storeTargets(): Promise<StoreTarget[]> {
  return [
    {
      name: 'PostgreSQL (drizzle, pg)',
      skip: await postgresUnavailable(),
      open: () => sqlTarget(() => postgresDatabase('pg')),
    },
    {
      name: 'MariaDB (drizzle, mysql2)',
      skip: await mysqlUnavailable(),
      open: () => sqlTarget(() => mysqlDatabase()),
    },
    {
      name: 'SQLite (drizzle, better-sqlite3)',
      skip: false,
      open: () => sqlTarget(() => sqliteDatabase()),
    },
    {
      name: 'MemoryStore',
      skip: false,
      open: async () => {
        const memory: OpenStore = {
          store: new MemoryStore(),
          raw: null,
          async reset() {
            memory.store = new MemoryStore()
            return memory.store
          },
          close: async () => {},
        }
        return memory
      },
    },
  ]
}

/**
 * Users as varied as Clerk's: some without email (phone or username sign-ups), some with phones,
 * usernames, admins, non-ASCII names, and runs sharing one `created_at` as bulk imports do.
 */
export function variedUsers(count: number, start = Date.UTC(2024, 0, 1)): SeedUserOptions[] {
  return Array.from({ length: count }, (_, i) => ({
    emails: i % 97 === 0 ? [] : [`user${i}.${start}@example.com`],
    phones: i % 7 === 0 ? [`+1555${String(i).padStart(7, '0')}`] : [],
    username: i % 3 === 0 ? `user_${i}_${start}` : null,
    firstName: i % 11 === 0 ? null : `Zoë ${i}`,
    lastName: i % 13 === 0 ? null : `Ørsted-${i}`,
    role: i % 20 === 0 ? 'admin' : undefined,
    // In each 30, the first 20 share one instant (as imported users do): seed order is scan order.
    createdAt: start + (Math.floor(i / 30) * 30 + (i % 30 < 20 ? 0 : i % 30)) * 1000,
    updatedAt: start + i * 1000 + 500,
  }))
}

/** Everything the store holds, ordered by id. */
export async function storedUsers(store: UserStore): Promise<SyncedUser[]> {
  const users: SyncedUser[] = []
  let cursor: string | null = null
  do {
    const page = await store.listUsers({ limit: 1000, cursor })
    users.push(...page.users)
    cursor = page.nextCursor
  } while (cursor)
  return users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** What the store must hold: each of Clerk's users through the mapping webhooks use. */
export async function clerkTruth(emulator: ClerkEmulator, sync: ClerkSync): Promise<SyncedUser[]> {
  const users = await Promise.all(emulator.users().map((user) => sync.toSyncedUser(user)))
  return users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/**
 * An app on a real HTTP server receiving the emulator's webhooks (signed, verified), and the real
 * `@clerk/backend` client pointed at the same emulator.
 */
export async function startApp(store: UserStore, options: { webhooks?: boolean } = {}) {
  const signingSecret = generateSigningSecret()
  const sync = createClerkSync({ signingSecret, store, logger: silentLogger })
  let server: Server | null = null
  let webhookUrl: string | undefined
  if (options.webhooks) {
    server = createServer((req, res) => void handleNodeWebhook(sync, req, res))
    webhookUrl = `http://127.0.0.1:${await listenOnLoopback(server)}/webhooks`
  }
  const emulator = await startClerkEmulator({
    signingSecret,
    timeScale: 1e-4,
    ...(webhookUrl ? { webhookUrl } : {}),
  })
  const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  return {
    sync,
    emulator,
    clerk,
    async close() {
      await emulator.close()
      if (server) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server!.close(() => resolve()))
      }
    },
  }
}
