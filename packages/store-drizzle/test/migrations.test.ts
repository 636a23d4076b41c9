import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { getTableColumns, getTableName, is, Table } from 'drizzle-orm'
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mysqlUnavailable, postgresUnavailable } from '../../../test-support/databases.js'
// @ts-expect-error: a plain .mjs build script without types
import { bundledMigrationsSource } from '../scripts/bundle-migrations.mjs'
import { applyMigrations, bundledMigrations, MIGRATIONS_TABLE } from '../src/index.js'
import * as mysqlSchema from '../src/schema/mysql.js'
import * as pgSchema from '../src/schema/pg.js'
import * as sqliteSchema from '../src/schema/sqlite.js'
import {
  mysqlDatabase,
  pgliteDatabase,
  postgresDatabase,
  sqliteDatabase,
  type TestDatabase,
} from './support/connections.js'

const root = join(import.meta.dirname, '..')

describe('shipped migrations', () => {
  it('bundles exactly the SQL files drizzle-kit wrote', async () => {
    const generated = bundledMigrationsSource() as string
    const data = JSON.parse(generated.slice(generated.indexOf('= ') + 2).trim())
    expect(bundledMigrations).toEqual(data)
    for (const dialect of ['pg', 'mysql', 'sqlite'] as const) {
      const journal = JSON.parse(
        readFileSync(join(root, 'migrations', dialect, 'meta', '_journal.json'), 'utf8'),
      )
      expect(bundledMigrations[dialect].map((m) => m.name)).toEqual(
        journal.entries.map((e: { tag: string }) => e.tag),
      )
    }
  })
})

const schemas = { pg: pgSchema, mysql: mysqlSchema, sqlite: sqliteSchema }

async function columnsOf(database: TestDatabase, table: string): Promise<string[]> {
  const { raw } = database
  const rows =
    raw.dialect === 'sqlite'
      ? await raw.query(`SELECT name AS c FROM pragma_table_info('${table}')`)
      : await raw.query(
          raw.dialect === 'pg'
            ? 'SELECT column_name AS c FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema()'
            : 'SELECT column_name AS c FROM information_schema.columns WHERE table_name = ? AND table_schema = database()',
          [table],
        )
  return rows.map((r) => String(r.c ?? r.C ?? r.COLUMN_NAME)).sort()
}

const targets = [
  {
    name: 'PostgreSQL 15',
    dialect: 'pg' as const,
    open: () => postgresDatabase('pg'),
    skip: await postgresUnavailable(),
  },
  { name: 'PGlite', dialect: 'pg' as const, open: () => pgliteDatabase(), skip: false as const },
  {
    name: 'MariaDB',
    dialect: 'mysql' as const,
    open: () => mysqlDatabase(),
    skip: await mysqlUnavailable(),
  },
  {
    name: 'SQLite',
    dialect: 'sqlite' as const,
    open: async () => sqliteDatabase(),
    skip: false as const,
  },
]

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`applyMigrations · ${target.name}`, () => {
    let database: TestDatabase
    beforeAll(async () => {
      database = await target.open()
    })
    afterAll(async () => {
      await database?.close()
    })

    it('creates the tables the schema describes, and records itself in its own table', async () => {
      const all = bundledMigrations[target.dialect].map((m) => m.name)
      expect(await applyMigrations(database.db)).toEqual({ applied: all })
      const tables = Object.values(schemas[target.dialect]).filter((t): t is Table => is(t, Table))
      expect(tables.map((t) => getTableName(t)).sort()).toEqual([
        'clerk_sync_events',
        'clerk_sync_role_audit',
        'clerk_sync_user_state',
        'clerk_sync_users',
      ])
      for (const table of tables) {
        const expected = Object.values(getTableColumns(table))
          .map((c) => c.name)
          .sort()
        expect(await columnsOf(database, getTableName(table))).toEqual(expected)
      }
      const recorded = await database.raw.query(
        `SELECT name FROM ${target.dialect === 'mysql' ? MIGRATIONS_TABLE : `"${MIGRATIONS_TABLE}"`}`,
      )
      expect(recorded.map((r) => r.name)).toEqual(all)
    })

    it('is idempotent, also when started twice at once', async () => {
      expect(await applyMigrations(database.db)).toEqual({ applied: [] })
      const both = await Promise.all([applyMigrations(database.db), applyMigrations(database.db)])
      expect(both).toEqual([{ applied: [] }, { applied: [] }])
    })
  })
}

describe('applyMigrations beside the app’s own drizzle migrations', () => {
  it('neither skips nor is skipped by drizzle’s migrator', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const folder = mkdtempSync(join(tmpdir(), 'app-migrations-'))
    mkdirSync(join(folder, 'meta'))
    writeFileSync(join(folder, '0000_app.sql'), 'CREATE TABLE `posts` (`id` integer PRIMARY KEY);')
    writeFileSync(
      join(folder, 'meta', '_journal.json'),
      JSON.stringify({
        version: '7',
        dialect: 'sqlite',
        entries: [{ idx: 0, version: '6', when: 1, tag: '0000_app', breakpoints: true }],
      }),
    )
    const database = sqliteDatabase()
    migrateSqlite(database.db as never, { migrationsFolder: folder })
    expect(await applyMigrations(database.db)).toEqual({ applied: ['0000_clerk_sync'] })
    migrateSqlite(database.db as never, { migrationsFolder: folder })
    const tables = (
      await database.raw.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ).map((r) => r.name)
    expect(tables).toEqual(
      expect.arrayContaining([
        '__drizzle_migrations',
        MIGRATIONS_TABLE,
        'posts',
        'clerk_sync_users',
      ]),
    )
    expect((await database.raw.query('SELECT COUNT(*) AS n FROM __drizzle_migrations'))[0]?.n).toBe(
      1,
    )
    await database.close()
  })
})
