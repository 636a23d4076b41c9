/**
 * The database and store of a chaos server, built as an app builds them from its environment:
 * Drizzle over a pg Pool or a mysql2 pool, or Prisma 7 with its driver adapters. Shared by the
 * server (main.ts) and the inspector (inspect.ts), which reads through the very same store.
 */
import type { UserStore } from '@clerk-sync/core'
import { applyMigrations, drizzleStore } from '@clerk-sync/drizzle'
import { prismaStore } from '@clerk-sync/prisma'
import { PrismaMariaDb } from '@prisma/adapter-mariadb'
import { PrismaPg } from '@prisma/adapter-pg'
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { PrismaClient as MysqlPrismaClient } from '../../../packages/store-prisma/test/generated/mysql/client/client.js'
import { PrismaClient as PostgresPrismaClient } from '../../../packages/store-prisma/test/generated/postgresql/client/client.js'

export interface StoreConfig {
  store: 'drizzle' | 'prisma'
  dialect: 'postgres' | 'mariadb'
  /** postgres://… or mysql://…, with the database name for MariaDB. */
  url: string
  /** Postgres only: the run's own schema. */
  schema?: string
  poolMax: number
  /** Drizzle: create the clerk_sync_* tables at start-up, as the quick start does. */
  migrate: boolean
  /** Drizzle on pg: 'unhandled' leaves checked-out clients without an error listener. */
}

export function storeConfigFromEnv(env: NodeJS.ProcessEnv): StoreConfig {
  const need = (name: string) => {
    const value = env[name]
    if (!value) throw new Error(`chaos server: ${name} is required`)
    return value
  }
  const store = need('CHAOS_STORE')
  const dialect = need('CHAOS_DIALECT')
  if (store !== 'drizzle' && store !== 'prisma') throw new Error(`unknown CHAOS_STORE ${store}`)
  if (dialect !== 'postgres' && dialect !== 'mariadb')
    throw new Error(`unknown CHAOS_DIALECT ${dialect}`)
  return {
    store,
    dialect,
    url: need('DATABASE_URL'),
    schema: env.DATABASE_SCHEMA || undefined,
    poolMax: Number(env.DATABASE_POOL_MAX ?? 8),
    migrate: env.CHAOS_MIGRATE !== '0',
  }
}

export interface OpenedStore {
  store: UserStore
  close(): Promise<void>
}

export async function openStore(config: StoreConfig): Promise<OpenedStore> {
  if (config.store === 'drizzle' && config.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      ...(config.schema ? { options: `-c search_path=${config.schema}` } : {}),
    })
    // node-postgres re-emits an idle client's socket error on the pool; with no listener, that
    // 'error' event is thrown and ends the process. A database restart or a dropped connection
    // would take the app down, so every app that uses pg.Pool needs this line.
    pool.on('error', (error) => console.error(`[db] idle connection lost: ${error.message}`))
    // (A client checked out for a transaction loses the pool's listener; drizzleStore gives the
    // clients it checks out their own, so this one line is all an app writes.)
    const db = drizzlePg(pool)
    if (config.migrate) await applyMigrations(db)
    return { store: drizzleStore(db), close: () => pool.end() }
  }
  if (config.store === 'drizzle') {
    const pool = mysql.createPool({ uri: config.url, connectionLimit: config.poolMax })
    const db = drizzleMysql(pool)
    if (config.migrate) await applyMigrations(db)
    return { store: drizzleStore(db), close: () => pool.end() }
  }
  if (config.dialect === 'postgres') {
    const adapter = new PrismaPg(
      { connectionString: config.url, max: config.poolMax },
      config.schema ? { schema: config.schema } : undefined,
    )
    const prisma = new PostgresPrismaClient({ adapter })
    return {
      store: prismaStore(prisma, config.schema ? { schema: config.schema } : {}),
      close: () => prisma.$disconnect(),
    }
  }
  const url = new URL(config.url)
  const adapter = new PrismaMariaDb({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: url.pathname.slice(1),
    connectionLimit: config.poolMax,
  })
  const prisma = new MysqlPrismaClient({ adapter })
  return { store: prismaStore(prisma), close: () => prisma.$disconnect() }
}
