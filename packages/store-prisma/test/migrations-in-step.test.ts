import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SHIPPED_MIGRATIONS } from '../src/migrations.js'
import { shippedMigrations } from './support/connections.js'

/**
 * The Postgres and MySQL tables are the same for both stores (an app can switch ORM and keep its
 * clerk_sync_* tables), so Prisma's shipped SQL must say what drizzle-kit generated, migration by
 * migration.
 */
const packages = join(import.meta.dirname, '..', '..')
const statements = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('-- '))
    .join('\n')
    .replaceAll('--> statement-breakpoint', '')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean)

describe('shipped SQL', () => {
  it.each([
    ['postgresql', 'pg', ['0000_clerk_sync', '0001_prev_role']],
    ['mysql', 'mysql', ['0000_clerk_sync']],
  ] as const)('%s: the same migrations as the Drizzle store’s', (prismaDir, drizzleDir, names) => {
    expect(shippedMigrations(prismaDir)).toEqual(names)
    for (const name of names) {
      const prisma = statements(
        join(packages, 'store-prisma', 'migrations', prismaDir, name, 'migration.sql'),
      )
      const drizzle = statements(
        join(packages, 'store-drizzle', 'migrations', drizzleDir, `${name}.sql`),
      )
      expect(prisma, name).toEqual(drizzle)
      expect(prisma.length, name).toBe(name === '0000_clerk_sync' ? 7 : 1)
    }
  })

  it.each(['postgresql', 'mysql', 'sqlite'] as const)(
    '%s: the store names the migration folders the package ships',
    (provider) => {
      expect(SHIPPED_MIGRATIONS[provider]).toEqual(shippedMigrations(provider))
    },
  )
})
