export type Dialect = 'pg' | 'mysql' | 'sqlite'

export interface Migration {
  /** drizzle-kit's tag, e.g. `0000_clerk_sync`; recorded in `__clerk_sync_migrations`. */
  name: string
  statements: string[]
}

export type BundledMigrations = Record<Dialect, Migration[]>
