import { PGlite } from '@electric-sql/pglite'
import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { afterAll, describe, expect, it } from 'vitest'
import { detectDialect, drizzleStore } from '../src/index.js'
import { pgApp, sqliteApp } from './support/app-schema.js'

const sqlite = drizzleSqlite(new Database(':memory:'))
const pglite = new PGlite()
afterAll(() => pglite.close())

describe('drizzleStore at start-up', () => {
  it('detects the dialect with Drizzle’s own checks', () => {
    expect(detectDialect(sqlite)).toBe('sqlite')
    expect(detectDialect(drizzlePglite(pglite))).toBe('pg')
    expect(drizzleStore(sqlite).dialect).toBe('sqlite')
    expect(() => detectDialect({ select() {} })).toThrow(/not a Drizzle database/)
  })

  it('names a NOT NULL column without a default that clerk-sync would leave empty', () => {
    const accounts = sqliteTable('accounts', {
      id: text('id').primaryKey(),
      email: text('email'),
      password: text('password').notNull(),
    })
    expect(() =>
      drizzleStore(sqlite, {
        users: { table: accounts, columns: { id: accounts.id, email: accounts.email } },
      }),
    ).toThrow(
      'drizzleStore: column "password" of "accounts" is NOT NULL without a default, and clerk-sync does not write it. Make it nullable, give it a default, or map it in users.columns.',
    )
  })

  it('requires the id column, its uniqueness, and columns of the same table', () => {
    const u = sqliteApp.users
    expect(() => drizzleStore(sqlite, { users: { table: u, columns: {} as never } })).toThrow(
      /users\.columns\.id is required/,
    )
    const loose = sqliteTable('loose', { clerkId: text('clerk_id').notNull(), n: integer('n') })
    expect(() =>
      drizzleStore(sqlite, { users: { table: loose, columns: { id: loose.clerkId } } }),
    ).toThrow(/"loose"\.clerk_id must be the primary key or unique/)
    expect(() =>
      drizzleStore(sqlite, {
        users: {
          table: u,
          columns: {
            id: u.id,
            email: sqliteApp.members.emailAddress,
            role: u.role,
            createdAt: u.createdAt,
            updatedAt: u.updatedAt,
          },
        },
      }),
    ).toThrow(/users\.columns\.email is not a column of table "users"/)
  })

  it('refuses a table of another dialect than the database', () => {
    expect(() =>
      drizzleStore(sqlite, { users: { table: pgApp.users, columns: { id: pgApp.users.id } } }),
    ).toThrow(/users\.table is not a sqlite table/)
  })

  it('accepts the seed app’s table when its NOT NULL columns are mapped or defaulted', () => {
    const u = sqliteApp.users
    const store = drizzleStore(sqlite, {
      users: {
        table: u,
        columns: {
          id: u.id,
          email: u.email,
          role: u.role,
          createdAt: u.createdAt,
          updatedAt: u.updatedAt,
        },
      },
    })
    expect(typeof store.upsertUser).toBe('function')
  })
})

describe('drizzleStore onDelete at start-up', () => {
  const accounts = sqliteTable('accounts', {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    removedAt: integer('removed_at', { mode: 'timestamp_ms' }),
    since: integer('since', { mode: 'timestamp_ms' }).notNull(),
  })
  const columns = { id: accounts.id, email: accounts.email, firstName: accounts.name }
  const configError = (run: () => unknown) => {
    try {
      run()
    } catch (error) {
      return error as { code?: string; message: string }
    }
    throw new Error('expected a configuration error')
  }

  it("refuses 'soft' without a deletedAt column, naming the option to map", () => {
    const error = configError(() =>
      drizzleStore(sqlite, {
        users: { table: accounts, columns: { ...columns, createdAt: accounts.since } },
        onDelete: 'soft',
      }),
    )
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toMatch(/onDelete: 'soft' needs users\.columns\.deletedAt/)
    const ready = configError(() => drizzleStore(sqlite, { onDelete: 'soft' }))
    expect(ready.code).toBe('CONFIG_INVALID')
    expect(ready.message).toMatch(/"clerk_sync_users" has none/)
  })

  it("refuses 'anonymize' over NOT NULL personal columns, and a NOT NULL deletedAt", () => {
    const error = configError(() =>
      drizzleStore(sqlite, {
        users: { table: accounts, columns: { ...columns, createdAt: accounts.since } },
        onDelete: 'anonymize',
      }),
    )
    expect(error.code).toBe('CONFIG_INVALID')
    expect(error.message).toMatch(/"email" of "accounts" is NOT NULL/)
    const notNullDeletedAt = configError(() =>
      drizzleStore(sqlite, {
        users: { table: accounts, columns: { ...columns, deletedAt: accounts.since } },
        onDelete: 'soft',
      }),
    )
    expect(notNullDeletedAt.code).toBe('CONFIG_INVALID')
    expect(notNullDeletedAt.message).toMatch(/deletedAt .* is NOT NULL; it must be nullable/)
  })

  it('refuses an unknown policy and takes the valid ones', () => {
    expect(configError(() => drizzleStore(sqlite, { onDelete: 'hide' as never })).code).toBe(
      'CONFIG_INVALID',
    )
    const mapped = {
      table: accounts,
      columns: { ...columns, createdAt: accounts.since, deletedAt: accounts.removedAt },
    }
    expect(drizzleStore(sqlite, { users: mapped, onDelete: 'soft' }).dialect).toBe('sqlite')
    expect(drizzleStore(sqlite, { onDelete: 'anonymize' }).dialect).toBe('sqlite')
    expect(drizzleStore(sqlite, { onDelete: 'delete' }).dialect).toBe('sqlite')
  })
})
