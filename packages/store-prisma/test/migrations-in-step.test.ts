import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The Postgres and MySQL tables are the same for both stores (an app can switch ORM and keep its
 * clerk_sync_* tables), so Prisma's shipped SQL must say what drizzle-kit generated.
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
    ['postgresql', 'pg'],
    ['mysql', 'mysql'],
  ])('%s: the same tables as the Drizzle store’s migration', (prismaDir, drizzleDir) => {
    const prisma = statements(
      join(packages, 'store-prisma', 'migrations', prismaDir, '0000_clerk_sync', 'migration.sql'),
    )
    const drizzle = statements(
      join(packages, 'store-drizzle', 'migrations', drizzleDir, '0000_clerk_sync.sql'),
    )
    expect(prisma).toEqual(drizzle)
    expect(prisma.length).toBe(7)
  })
})
