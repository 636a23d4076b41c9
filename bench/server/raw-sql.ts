/**
 * Plain SQL through a driver pool, as a hand-written handler uses it: node-postgres, postgres-js,
 * mysql2 or better-sqlite3 (a file in WAL mode). Chosen by the environment (see bench/README.md).
 */
import Database from 'better-sqlite3'
import mysql from 'mysql2/promise'
import pg from 'pg'
import postgres from 'postgres'
import { appDdl } from '../../test-support/seed-app.js'
import type { Dialect } from '../shared.js'

export interface RawSql {
  dialect: Dialect
  /** Runs one statement (`?` placeholders) and returns its rows (empty for writes). */
  query(text: string, params: unknown[]): Promise<unknown[]>
  close(): Promise<void>
}

const toPg = (text: string) => {
  let n = 0
  return text.replace(/\?/g, () => `$${++n}`)
}

export function needEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (!value) throw new Error(`bench: ${name} is required`)
  return value
}

/** Opens `BENCH_DRIVER` (pg, postgres-js, mysql2, better-sqlite3) with a pool of DATABASE_POOL_MAX. */
export async function openRawSql(env: NodeJS.ProcessEnv): Promise<RawSql> {
  const driver = needEnv(env, 'BENCH_DRIVER')
  const poolMax = Number(env.DATABASE_POOL_MAX ?? 15)
  const schema = env.DATABASE_SCHEMA
  if (driver === 'pg') {
    const pool = new pg.Pool({
      connectionString: needEnv(env, 'DATABASE_URL'),
      max: poolMax,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    })
    pool.on('error', (error) => console.error(`[db] idle connection lost: ${error.message}`))
    return {
      dialect: 'pg',
      query: async (text, params) => (await pool.query(toPg(text), params)).rows,
      close: () => pool.end(),
    }
  }
  if (driver === 'postgres-js') {
    const sql = postgres(needEnv(env, 'DATABASE_URL'), {
      max: poolMax,
      onnotice: () => {},
      ...(schema ? { connection: { search_path: schema } } : {}),
    })
    return {
      dialect: 'pg',
      query: async (text, params) => [
        ...(await sql.unsafe(toPg(text), params as postgres.ParameterOrJSON<never>[], {
          prepare: true,
        })),
      ],
      close: () => sql.end({ timeout: 5 }),
    }
  }
  if (driver === 'mysql2') {
    const pool = mysql.createPool({
      uri: needEnv(env, 'DATABASE_URL'),
      connectionLimit: poolMax,
      timezone: 'Z',
    })
    return {
      dialect: 'mysql',
      query: async (text, params) => {
        const [rows] = await pool.execute(text, params as never[])
        return Array.isArray(rows) ? rows : []
      },
      close: () => pool.end(),
    }
  }
  if (driver === 'better-sqlite3') {
    const db = openSqliteFile(needEnv(env, 'SQLITE_FILE'))
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'")
      .get()
    if (!exists) db.exec(appDdl.sqlite[0]!)
    const statements = new Map<string, Database.Statement>()
    return {
      dialect: 'sqlite',
      query: async (text, params) => {
        let statement = statements.get(text)
        if (!statement) {
          statement = db.prepare(text)
          statements.set(text, statement)
        }
        if (statement.reader) return statement.all(...params)
        statement.run(...params)
        return []
      },
      close: async () => {
        db.close()
      },
    }
  }
  throw new Error(`bench: unknown BENCH_DRIVER ${driver}`)
}

/** A SQLite file as an app opens it for a server: WAL, and a busy timeout for other writers. */
export function openSqliteFile(file: string): Database.Database {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  return db
}
