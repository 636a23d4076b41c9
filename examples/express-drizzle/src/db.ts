import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePostgres } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'

/** What the app queries: Drizzle over node-postgres or over PGlite, the same Postgres dialect. */
export type AppDatabase = PgDatabase<PgQueryResultHKT>

/** PGlite's name for a database kept in memory only. */
export const IN_MEMORY = 'memory://'

export interface OpenedDatabase {
  db: AppDatabase
  /** Where the data lives, for the start-up line. */
  description: string
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** A Postgres URL (node-postgres). Unset: embedded PGlite. */
  databaseUrl?: string | undefined
  /** PGlite's data directory; unset or `memory://`: in memory, gone when the process ends. */
  pgliteDataDir?: string | undefined
  /**
   * An empty PGlite cluster dumped with `dumpDataDir()`, to start an in-memory database from
   * instead of running `initdb` (seconds on a small machine). The demo passes one.
   */
  pgliteTemplate?: Blob | undefined
  /** Where a dropped pooled connection is reported. */
  onPoolError?: (error: Error) => void
}

/**
 * Postgres through a node-postgres Pool when a URL is given, otherwise PGlite (Postgres compiled
 * to WebAssembly, in this process): no database server needed to try the app.
 */
export async function openDatabase(options: DatabaseOptions): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl })
    // Without a listener, an idle connection dropped by a database restart ends the process.
    pool.on('error', options.onPoolError ?? ((error) => console.warn('postgres:', error.message)))
    return {
      db: drizzleNodePostgres(pool),
      description: `Postgres at ${redactPassword(options.databaseUrl)}`,
      close: () => pool.end(),
    }
  }
  const inMemory = !options.pgliteDataDir || options.pgliteDataDir === IN_MEMORY
  const client = await PGlite.create(
    inMemory
      ? {
          dataDir: IN_MEMORY,
          ...(options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
        }
      : { dataDir: options.pgliteDataDir },
  )
  return {
    db: drizzlePglite(client),
    description: inMemory
      ? 'PGlite in memory (gone when the process ends)'
      : `PGlite in ${options.pgliteDataDir}`,
    close: () => client.close(),
  }
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'DATABASE_URL'
  }
}
