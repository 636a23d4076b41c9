import type { Provider } from './prisma-like.js'

/**
 * The shipped migration folders of each provider (`migrations/<provider>/<name>/migration.sql`),
 * oldest first. A test keeps this list and the folders in step; messages name them.
 */
export const SHIPPED_MIGRATIONS: Readonly<Record<Provider, readonly string[]>> = {
  postgresql: ['0000_clerk_sync', '0001_prev_role'],
  mysql: ['0000_clerk_sync'],
  sqlite: ['0000_clerk_sync'],
}

/** `migrations/postgresql/0000_clerk_sync/migration.sql, then migrations/postgresql/0001_…`. */
export function migrationPaths(provider: string, names: readonly string[]): string {
  return names.map((name) => `migrations/${provider}/${name}/migration.sql`).join(', then ')
}
