/**
 * clerk-sync's store for a bench server. Drizzle on node-postgres and on mysql2, and Prisma on
 * Postgres, come from the chaos harness's `openStore` (the same app code the convergence runs
 * use); Drizzle on postgres-js and on better-sqlite3 are added here, built the same way.
 */
import { MemoryStore, type UserStore } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { openStore } from '../../test-support/chaos/server/store.js'
import { needEnv, openSqliteFile } from './raw-sql.js'

export type BenchStore =
  | 'memory'
  | 'drizzle-pg'
  | 'drizzle-postgres-js'
  | 'prisma-pg'
  | 'drizzle-mariadb'
  | 'drizzle-sqlite'

export async function openBenchStore(
  env: NodeJS.ProcessEnv,
): Promise<{ store: UserStore; close(): Promise<void> }> {
  const kind = needEnv(env, 'BENCH_STORE') as BenchStore
  const poolMax = Number(env.DATABASE_POOL_MAX ?? 15)
  const schema = env.DATABASE_SCHEMA || undefined
  switch (kind) {
    case 'memory':
      return { store: new MemoryStore(), close: async () => {} }
    case 'drizzle-pg':
    case 'prisma-pg':
    case 'drizzle-mariadb':
      return openStore({
        store: kind === 'prisma-pg' ? 'prisma' : 'drizzle',
        dialect: kind === 'drizzle-mariadb' ? 'mariadb' : 'postgres',
        url: needEnv(env, 'DATABASE_URL'),
        schema,
        poolMax,
        migrate: kind !== 'prisma-pg',
      })
    case 'drizzle-postgres-js': {
      const sql = postgres(needEnv(env, 'DATABASE_URL'), {
        max: poolMax,
        onnotice: () => {},
        ...(schema ? { connection: { search_path: schema } } : {}),
      })
      const db = drizzlePostgresJs(sql)
      await applyMigrations(db)
      return { store: drizzleStore(db), close: () => sql.end({ timeout: 5 }) }
    }
    case 'drizzle-sqlite': {
      const file = openSqliteFile(needEnv(env, 'SQLITE_FILE'))
      const db = drizzleSqlite(file)
      await applyMigrations(db)
      return {
        store: drizzleStore(db),
        close: async () => {
          file.close()
        },
      }
    }
    default:
      throw new Error(`bench: unknown BENCH_STORE ${kind}`)
  }
}
