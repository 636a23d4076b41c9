import { type Flow, step } from '@clerk-sync/core/store-kit'
import { sql } from 'drizzle-orm'
import { type AnyDatabase, detectDialect } from '../dialect.js'
import { createTransactor } from '../transactor.js'
import { bundledMigrations } from './bundled.js'
import type { Dialect } from './migration.js'
import {
  createMigrationsTable,
  mysqlMigrations,
  pgMigrations,
  sqliteMigrations,
} from './migrations-table.js'

export interface ApplyMigrationsResult {
  /** Names of the migrations this call applied (empty when the database was up to date). */
  applied: string[]
}

// biome-ignore lint/suspicious/noExplicitAny: each dialect's transaction, used through its own branch.
type AnyTx = any

function* migrate(dialect: Dialect, tx: AnyTx): Flow<string[]> {
  const run = (statement: string) =>
    dialect === 'sqlite' ? tx.run(sql.raw(statement)) : tx.execute(sql.raw(statement))
  // Concurrent deploys: one applies, the others wait here and then find nothing to do.
  if (dialect === 'pg')
    yield* step(run(`SELECT pg_advisory_xact_lock(hashtext('clerk_sync_migrations'))`))
  if (dialect === 'mysql') yield* step(run(`SELECT GET_LOCK('clerk_sync_migrations', 60)`))
  yield* step(run(createMigrationsTable[dialect]))
  const table =
    dialect === 'pg' ? pgMigrations : dialect === 'mysql' ? mysqlMigrations : sqliteMigrations
  const query = tx.select({ name: table.name }).from(table)
  const done = new Set(
    ((yield* step(dialect === 'sqlite' ? query.all() : query)) as Array<{ name: string }>).map(
      (r) => r.name,
    ),
  )
  const applied: string[] = []
  for (const migration of bundledMigrations[dialect]) {
    if (done.has(migration.name)) continue
    for (const statement of migration.statements) yield* step(run(statement))
    const insert = tx.insert(table).values({ name: migration.name, appliedAt: new Date() })
    yield* step(dialect === 'sqlite' ? insert.run() : insert)
    applied.push(migration.name)
  }
  if (dialect === 'mysql') yield* step(run(`SELECT RELEASE_LOCK('clerk_sync_migrations')`))
  return applied
}

/**
 * Creates or updates clerk-sync's tables (`clerk_sync_*`) in the app's database, for the dialect
 * of `db`; safe to call at every start. On Postgres and SQLite each run is one transaction; MySQL
 * cannot roll back DDL, so a failed run there may leave a migration half applied.
 */
export async function applyMigrations(db: AnyDatabase): Promise<ApplyMigrationsResult> {
  const dialect = detectDialect(db)
  const transact = createTransactor(db, dialect, 3)
  return { applied: await transact((tx) => migrate(dialect, tx)) }
}
