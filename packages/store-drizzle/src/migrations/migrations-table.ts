import { datetime, mysqlTable, varchar } from 'drizzle-orm/mysql-core'
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { integer, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core'

/**
 * clerk-sync's own record of applied migrations, apart from drizzle's `__drizzle_migrations`, so
 * neither tool skips, or is skipped by, the other.
 */
export const MIGRATIONS_TABLE = '__clerk_sync_migrations'

export const pgMigrations = pgTable(MIGRATIONS_TABLE, {
  name: text('name').primaryKey(),
  appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'date' }).notNull(),
})

export const mysqlMigrations = mysqlTable(MIGRATIONS_TABLE, {
  name: varchar('name', { length: 191 }).primaryKey(),
  appliedAt: datetime('applied_at', { mode: 'date', fsp: 3 }).notNull(),
})

export const sqliteMigrations = sqliteTable(MIGRATIONS_TABLE, {
  name: sqliteText('name').primaryKey(),
  appliedAt: integer('applied_at', { mode: 'timestamp_ms' }).notNull(),
})

export const createMigrationsTable = {
  pg: `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" ("name" text PRIMARY KEY NOT NULL, "applied_at" timestamp with time zone NOT NULL)`,
  mysql: `CREATE TABLE IF NOT EXISTS \`${MIGRATIONS_TABLE}\` (\`name\` varchar(191) NOT NULL PRIMARY KEY, \`applied_at\` datetime(3) NOT NULL)`,
  sqlite: `CREATE TABLE IF NOT EXISTS \`${MIGRATIONS_TABLE}\` (\`name\` text PRIMARY KEY NOT NULL, \`applied_at\` integer NOT NULL)`,
} as const
