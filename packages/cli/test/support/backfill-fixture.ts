/** An emulator with seeded users, an app directory using it, and a check of the store against it. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { expect } from 'vitest'
import type { CheckpointFile } from '../../src/backfill/checkpoint-file.js'
import { makeAppDir, SQLITE_CONFIG } from './app-dir.js'
import { allUsers, openSqliteStore } from './sqlite-store.js'

export const SEEDED_USERS = 120

/**
 * `paced`: at most 3 Backend API requests a second (429 with Retry-After past that, which the
 * backfill honours), so a run of small pages lasts long enough to interrupt it mid-way.
 */
export async function seededEmulator(options: { paced: boolean }): Promise<ClerkEmulator> {
  const emulator = await startClerkEmulator({
    signingSecret: generateSigningSecret(),
    ...(options.paced ? { rateLimit: { requests: 3, windowMs: 1000 } } : {}),
  })
  const base = Date.UTC(2024, 0, 1)
  emulator.seedUsers(
    Array.from({ length: SEEDED_USERS }, (_, i) => ({
      // Every fifth pair shares a created_at, as imported users often do.
      createdAt: base + (i % 5 === 1 ? i - 1 : i) * 60_000,
      emails: [`backfill${i}@example.com`],
      firstName: `First${i}`,
      lastName: `Last${i}`,
      role: i % 10 === 0 ? 'admin' : 'client',
    })),
  )
  return emulator
}

export interface BackfillApp {
  dir: string
  env: Record<string, string>
  checkpointFile: string
  readCheckpoint(): CheckpointFile
  /** Asserts the store holds exactly the emulator's users, field by field. */
  expectStoreEqualsEmulator(): Promise<void>
}

export function backfillApp(emulator: ClerkEmulator): BackfillApp {
  const app = makeAppDir()
  app.write('clerk-sync.config.ts', SQLITE_CONFIG)
  const database = join(app.dir, 'store.db')
  const checkpointFile = join(app.dir, '.clerk-sync', 'backfill-checkpoint.json')
  return {
    dir: app.dir,
    env: {
      TEST_SQLITE_FILE: database,
      CLERK_API_URL: emulator.apiUrl,
      CLERK_SECRET_KEY: emulator.secretKey,
      CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
    },
    checkpointFile,
    readCheckpoint: () => JSON.parse(readFileSync(checkpointFile, 'utf8')) as CheckpointFile,
    async expectStoreEqualsEmulator() {
      const opened = await openSqliteStore(database, emulator.signingSecret)
      try {
        const stored = await allUsers(opened.store)
        const clerkUsers = emulator.users()
        expect([...stored.keys()].sort()).toEqual(clerkUsers.map((user) => user.id).sort())
        for (const user of clerkUsers) {
          expect(stored.get(user.id)).toEqual(await opened.sync.toSyncedUser(user))
        }
      } finally {
        opened.close()
      }
    },
  }
}
