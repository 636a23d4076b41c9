import { PGlite } from '@electric-sql/pglite'
import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import mysql from 'mysql2/promise'
import pg from 'pg'
import postgres from 'postgres'
import { mysqlUrl, postgresUrl, runScopedName } from '../../../../test-support/databases.js'
import {
  type FaultInjector,
  mysqlFaults,
  pgFaults,
  sqliteFaults,
} from '../../../../test-support/faults.js'
import { pgPlaceholders, type RawDatabase } from '../../../../test-support/raw-database.js'
import type { AnyDatabase } from '../../src/index.js'

export interface TestDatabase {
  db: AnyDatabase
  raw: RawDatabase
  faults: FaultInjector
  close(): Promise<void>
}

/** A fresh Postgres schema for this run, reached through `driver`, dropped on close. */
export async function postgresDatabase(
  driver: 'pg' | 'pg-client' | 'postgres-js',
): Promise<TestDatabase> {
  const schema = runScopedName('clerk_sync_test')
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  // The raw connection sees the same schema as the store's.
  const rawPool = new pg.Pool({
    connectionString: postgresUrl,
    options: `-c search_path=${schema}`,
    max: 4,
  })
  const raw: RawDatabase = {
    dialect: 'pg',
    query: async (text, params) => (await rawPool.query(pgPlaceholders(text), params)).rows,
  }
  let db: AnyDatabase
  let closeDriver: () => Promise<void>
  if (driver === 'pg') {
    const pool = new pg.Pool({
      connectionString: postgresUrl,
      options: `-c search_path=${schema}`,
      max: 20,
    })
    // As the README asks of apps: a dropped idle connection must not take the test run down.
    pool.on('error', () => {})
    db = drizzlePg(pool)
    closeDriver = () => pool.end()
  } else if (driver === 'pg-client') {
    // One connection for everything: the store must queue its transactions itself.
    const client = new pg.Client({
      connectionString: postgresUrl,
      options: `-c search_path=${schema}`,
    })
    await client.connect()
    client.on('error', () => {})
    db = drizzlePg(client)
    closeDriver = () => client.end()
  } else {
    const client = postgres(postgresUrl, {
      connection: { search_path: schema },
      max: 20,
      onnotice: () => {},
    })
    db = drizzlePostgresJs(client)
    closeDriver = () => client.end({ timeout: 5 })
  }
  return {
    db,
    raw,
    faults: pgFaults(raw),
    async close() {
      await closeDriver()
      await rawPool.end()
      await admin.query(`DROP SCHEMA ${schema} CASCADE`)
      await admin.end()
    },
  }
}

/** PGlite in memory: Postgres in-process, one connection. */
export async function pgliteDatabase(): Promise<TestDatabase> {
  const client = new PGlite()
  const raw: RawDatabase = {
    dialect: 'pg',
    query: async (text, params) =>
      (await client.query<Record<string, unknown>>(pgPlaceholders(text), params)).rows,
  }
  return { db: drizzlePglite(client), raw, faults: pgFaults(raw), close: () => client.close() }
}

/** A fresh MariaDB/MySQL database for this run, dropped on close. */
export async function mysqlDatabase(
  options: { singleConnection?: boolean } = {},
): Promise<TestDatabase> {
  const name = runScopedName('clerk_sync_test')
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const pool = options.singleConnection
    ? await mysql.createConnection({ uri: mysqlUrl, database: name })
    : mysql.createPool({ uri: mysqlUrl, database: name, connectionLimit: 20 })
  const rawPool = mysql.createPool({
    uri: mysqlUrl,
    database: name,
    connectionLimit: 4,
    timezone: 'Z',
    supportBigNumbers: true,
  })
  const raw: RawDatabase = {
    dialect: 'mysql',
    query: async (text, params) =>
      (await rawPool.query(text, params))[0] as Record<string, unknown>[],
  }
  return {
    db: drizzleMysql(pool),
    raw,
    faults: mysqlFaults(raw),
    async close() {
      await pool.end()
      await rawPool.end()
      await admin.query(`DROP DATABASE ${name}`)
      await admin.end()
    },
  }
}

/** better-sqlite3, on a file (WAL) or in memory. */
export function sqliteDatabase(file = ':memory:'): TestDatabase {
  const client = new Database(file)
  if (file !== ':memory:') client.pragma('journal_mode = WAL')
  // As apps that rely on ON DELETE CASCADE turn it on: SQLite leaves foreign keys off by default.
  client.pragma('foreign_keys = ON')
  const raw: RawDatabase = {
    dialect: 'sqlite',
    query: async (text, params = []) => {
      const statement = client.prepare(text)
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[]
      statement.run(...params)
      return []
    },
  }
  return {
    db: drizzleSqlite(client),
    raw,
    faults: sqliteFaults(client),
    close: async () => {
      client.close()
    },
  }
}
