/**
 * One run's own database: a Postgres schema or a MariaDB database, named for this run, dropped at
 * the end (the servers are shared with other test runs). Direct SQL reads for the checks, and the
 * connection settings a server gets when it must reach the database through a proxy.
 */
import { readdirSync, readFileSync } from 'node:fs'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { mysqlUrl, postgresUrl, runScopedName } from '../databases.js'
import { pgPlaceholders, type RawDatabase } from '../raw-database.js'

export type Dialect = 'postgres' | 'mariadb'

export interface ScopedDatabase extends RawDatabase {
  readonly kind: Dialect
  /** Schema (Postgres) or database (MariaDB) name. */
  readonly name: string
  /** The real server's address. */
  readonly target: { host: string; port: number }
  /** The environment a server needs to reach this database at `host:port` (e.g. a proxy). */
  serverEnv(via: { host: string; port: number }): Record<string, string>
  /** Applies @clerk-sync/prisma's shipped SQL migrations in order, as its README says to. */
  applyPrismaMigration(): Promise<void>
  drop(): Promise<void>
}

/** Every shipped migration folder of the provider, in order, as statements. */
const prismaMigration = (provider: 'postgresql' | 'mysql') => {
  const dir = new URL(`../../packages/store-prisma/migrations/${provider}/`, import.meta.url)
  return readdirSync(dir)
    .filter((name) => /^\d{4}_/.test(name))
    .sort()
    .flatMap((name) =>
      readFileSync(new URL(`${name}/migration.sql`, dir), 'utf8')
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        .split(/;\s*(?:\n|$)/)
        .map((statement) => statement.trim())
        .filter(Boolean),
    )
}

function withHost(url: string, via: { host: string; port: number }, path?: string): string {
  const copy = new URL(url)
  copy.hostname = via.host
  copy.port = String(via.port)
  if (path !== undefined) copy.pathname = `/${path}`
  return copy.toString()
}

export async function createScopedDatabase(kind: Dialect): Promise<ScopedDatabase> {
  const name = runScopedName('clerk_sync_chaos')
  if (kind === 'postgres') {
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`CREATE SCHEMA ${name}`)
    const pool = new pg.Pool({
      connectionString: postgresUrl,
      options: `-c search_path=${name}`,
      max: 2,
    })
    pool.on('error', () => {}) // Idle reads only; a lost connection is replaced on the next query.
    const url = new URL(postgresUrl)
    return {
      kind,
      name,
      dialect: 'pg',
      target: { host: url.hostname, port: Number(url.port || 5432) },
      query: async (text, params) => (await pool.query(pgPlaceholders(text), params)).rows,
      serverEnv: (via) => ({ DATABASE_URL: withHost(postgresUrl, via), DATABASE_SCHEMA: name }),
      async applyPrismaMigration() {
        for (const statement of prismaMigration('postgresql')) await pool.query(statement)
      },
      async drop() {
        await pool.end()
        try {
          await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`)
        } finally {
          await admin.end()
        }
      },
    }
  }
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const pool = mysql.createPool({
    uri: mysqlUrl,
    database: name,
    connectionLimit: 2,
    timezone: 'Z',
  })
  const url = new URL(mysqlUrl)
  return {
    kind,
    name,
    dialect: 'mysql',
    target: { host: url.hostname, port: Number(url.port || 3306) },
    query: async (text, params) => (await pool.query(text, params))[0] as Record<string, unknown>[],
    serverEnv: (via) => ({ DATABASE_URL: withHost(mysqlUrl, via, name) }),
    async applyPrismaMigration() {
      for (const statement of prismaMigration('mysql')) await pool.query(statement)
    },
    async drop() {
      await pool.end()
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`)
      } finally {
        await admin.end()
      }
    },
  }
}
