export { type AnyDatabase, detectDialect } from './dialect.js'
export { type DrizzleStoreOptions, type DrizzleUserStore, drizzleStore } from './drizzle-store.js'
export {
  type DrizzleLegacyUsersOptions,
  drizzleLegacyUsers,
  type LegacyUsersColumns,
} from './legacy-users.js'
export { type ApplyMigrationsResult, applyMigrations } from './migrations/apply-migrations.js'
export { bundledMigrations } from './migrations/bundled.js'
export type { BundledMigrations, Dialect, Migration } from './migrations/migration.js'
export { MIGRATIONS_TABLE } from './migrations/migrations-table.js'
export type { SyncedField, UsersColumns, UsersTableOption } from './users-table.js'
