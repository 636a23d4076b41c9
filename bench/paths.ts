/**
 * The paths the bench measures. Each database group holds clerk-sync's stores and the baselines
 * they are compared with: (a) raw driver upsert, (b) the floor, (c) the naive handler; (d)
 * clerk-sync on MemoryStore stands beside every group.
 */
import { UsageError } from './shared.js'

export type Group = 'postgres' | 'mariadb' | 'sqlite' | 'none'
export type Kind = 'a' | 'b' | 'c' | 'd' | 'clerk-sync'

export interface BenchPath {
  key: string
  group: Group
  kind: Kind
  /** The table's first column. */
  label: string
  /** The table's second column. */
  stack: string
  /** Which scoped database it writes: baselines share one per group, each store has its own. */
  database: 'baselines' | 'drizzle-pg' | 'drizzle-postgres-js' | 'prisma-pg' | 'drizzle-mariadb'
  /** Environment of its server (or of the raw driver runner for kind 'a'). */
  env: Record<string, string>
  /** In `--quick`. */
  quick: boolean
  /** Short names `--only` also accepts, besides `key`. */
  ids: string[]
}

const label: Record<Kind, string> = {
  a: '(a) raw driver upsert, no HTTP',
  b: '(b) Express + one raw upsert (floor)',
  c: '(c) naive handler (verify, select, insert/update)',
  d: '(d) clerk-sync, MemoryStore',
  'clerk-sync': 'clerk-sync',
}

function path(
  key: string,
  group: Group,
  kind: Kind,
  stack: string,
  database: BenchPath['database'],
  env: Record<string, string>,
  quick = false,
): BenchPath {
  return {
    key,
    group,
    kind,
    label: label[kind],
    stack,
    database,
    env,
    quick,
    ids: shortIds[key] ?? [],
  }
}

/**
 * `--only`'s short names. The bare baseline names (`raw`, `floor`, `naive`) are Postgres's, the
 * database the issue's targets are set against; the store names are the store's `BENCH_STORE`.
 */
const shortIds: Record<string, string[]> = {
  'pg-cs-drizzle': ['drizzle-pg'],
  'pg-cs-postgres-js': ['drizzle-postgres-js', 'postgres-js'],
  'pg-cs-prisma': ['prisma-pg'],
  'pg-cs-drizzle-gc': ['drizzle-pg-gc'],
  'pg-cs-postgres-js-gc': ['drizzle-postgres-js-gc', 'postgres-js-gc'],
  'pg-a': ['raw', 'pg-raw'],
  'pg-b': ['floor', 'pg-floor'],
  'pg-c': ['naive', 'pg-naive'],
  'mariadb-cs-drizzle': ['drizzle-mariadb'],
  'mariadb-cs-drizzle-gc': ['drizzle-mariadb-gc'],
  'mariadb-a': ['mariadb-raw'],
  'mariadb-b': ['mariadb-floor'],
  'mariadb-c': ['mariadb-naive'],
  'sqlite-cs-drizzle': ['drizzle-sqlite'],
  'sqlite-cs-drizzle-gc': ['drizzle-sqlite-gc'],
  'sqlite-a': ['sqlite-raw'],
  'sqlite-b': ['sqlite-floor'],
  'sqlite-c': ['sqlite-naive'],
}

const baseline = (kind: 'b' | 'c') => ({ BENCH_PATH: kind === 'b' ? 'floor' : 'naive' })
const store = (name: string) => ({ BENCH_PATH: 'clerk-sync', BENCH_STORE: name })

export const allPaths: BenchPath[] = [
  path(
    'pg-cs-drizzle',
    'postgres',
    'clerk-sync',
    'Drizzle, node-postgres Pool',
    'drizzle-pg',
    store('drizzle-pg'),
    true,
  ),
  path(
    'pg-cs-postgres-js',
    'postgres',
    'clerk-sync',
    'Drizzle, postgres-js',
    'drizzle-postgres-js',
    store('drizzle-postgres-js'),
  ),
  path(
    'pg-cs-drizzle-gc',
    'postgres',
    'clerk-sync',
    'Drizzle, node-postgres Pool, group commit',
    'drizzle-pg',
    { ...store('drizzle-pg'), BENCH_GROUP_COMMIT: '1' },
    true,
  ),
  path(
    'pg-cs-postgres-js-gc',
    'postgres',
    'clerk-sync',
    'Drizzle, postgres-js, group commit',
    'drizzle-postgres-js',
    { ...store('drizzle-postgres-js'), BENCH_GROUP_COMMIT: '1' },
  ),
  path(
    'pg-cs-prisma',
    'postgres',
    'clerk-sync',
    'Prisma 7, @prisma/adapter-pg',
    'prisma-pg',
    store('prisma-pg'),
  ),
  path('pg-a', 'postgres', 'a', 'node-postgres Pool', 'baselines', { BENCH_DRIVER: 'pg' }, true),
  path(
    'pg-b',
    'postgres',
    'b',
    'node-postgres Pool',
    'baselines',
    { ...baseline('b'), BENCH_DRIVER: 'pg' },
    true,
  ),
  path(
    'pg-c',
    'postgres',
    'c',
    'node-postgres Pool',
    'baselines',
    { ...baseline('c'), BENCH_DRIVER: 'pg' },
    true,
  ),
  path(
    'mariadb-cs-drizzle',
    'mariadb',
    'clerk-sync',
    'Drizzle, mysql2 pool',
    'drizzle-mariadb',
    store('drizzle-mariadb'),
    true,
  ),
  path(
    'mariadb-cs-drizzle-gc',
    'mariadb',
    'clerk-sync',
    'Drizzle, mysql2 pool, group commit',
    'drizzle-mariadb',
    { ...store('drizzle-mariadb'), BENCH_GROUP_COMMIT: '1' },
  ),
  path('mariadb-a', 'mariadb', 'a', 'mysql2 pool', 'baselines', { BENCH_DRIVER: 'mysql2' }),
  path(
    'mariadb-b',
    'mariadb',
    'b',
    'mysql2 pool',
    'baselines',
    { ...baseline('b'), BENCH_DRIVER: 'mysql2' },
    true,
  ),
  path('mariadb-c', 'mariadb', 'c', 'mysql2 pool', 'baselines', {
    ...baseline('c'),
    BENCH_DRIVER: 'mysql2',
  }),
  path(
    'sqlite-cs-drizzle',
    'sqlite',
    'clerk-sync',
    'Drizzle, better-sqlite3 (WAL file)',
    'baselines',
    { ...store('drizzle-sqlite'), SQLITE_NAME: 'clerk-sync' },
    true,
  ),
  path(
    'sqlite-cs-drizzle-gc',
    'sqlite',
    'clerk-sync',
    'Drizzle, better-sqlite3 (WAL file), group commit',
    'baselines',
    { ...store('drizzle-sqlite'), SQLITE_NAME: 'clerk-sync-gc', BENCH_GROUP_COMMIT: '1' },
  ),
  path('sqlite-a', 'sqlite', 'a', 'better-sqlite3 (WAL file)', 'baselines', {
    BENCH_DRIVER: 'better-sqlite3',
    SQLITE_NAME: 'raw',
  }),
  path(
    'sqlite-b',
    'sqlite',
    'b',
    'better-sqlite3 (WAL file)',
    'baselines',
    { ...baseline('b'), BENCH_DRIVER: 'better-sqlite3', SQLITE_NAME: 'floor' },
    true,
  ),
  path('sqlite-c', 'sqlite', 'c', 'better-sqlite3 (WAL file)', 'baselines', {
    ...baseline('c'),
    BENCH_DRIVER: 'better-sqlite3',
    SQLITE_NAME: 'naive',
  }),
  path('memory', 'none', 'd', 'no database', 'baselines', store('memory'), true),
]

/**
 * The paths `--only` names (a key or a short id each), in the table's usual order; throws on a
 * name no path has, listing the ones there are.
 */
export function selectPaths(names: string[]): BenchPath[] {
  if (names.length === 0) throw new UsageError('bench: --only names no path')
  const unknown = names.filter(
    (name) => !allPaths.some((path) => path.key === name || path.ids.includes(name)),
  )
  if (unknown.length > 0)
    throw new UsageError(
      `bench: --only: no path ${unknown.join(', ')}; the paths are ${allPaths
        .map((path) => [path.key, ...path.ids].join('|'))
        .join(', ')}`,
    )
  return allPaths.filter((path) =>
    names.some((name) => path.key === name || path.ids.includes(name)),
  )
}
