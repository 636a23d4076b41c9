/**
 * For the `clerk-sync` CLI (`backfill`, `reconcile`, `prune`): the same database, mapping and
 * Clerk instance as the app, read from the same environment (.env).
 * With PGlite, stop the app first: one process at a time can open a PGlite data directory.
 */
import { createClerkClient } from '@clerk/backend'
import { configFromEnv } from './src/config.js'
import { openDatabase } from './src/db.js'
import { migrate } from './src/migrations.js'
import { createSync } from './src/sync.js'

export default async () => {
  try {
    process.loadEnvFile()
  } catch {}
  const config = configFromEnv()
  const database = await openDatabase(config)
  await migrate(database.db)
  return {
    sync: createSync(database.db, { signingSecret: config.signingSecret }),
    clerk: createClerkClient({
      secretKey: config.secretKey,
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
    }),
    close: () => database.close(),
  }
}
