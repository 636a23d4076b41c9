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
