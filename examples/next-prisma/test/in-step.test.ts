import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The example copies @clerk-sync/prisma's Postgres models and migrations, as its README tells
// users to; a release that changes them must change the copies too.
const appDir = fileURLToPath(new URL('..', import.meta.url))
const storeDir = join(appDir, '..', '..', 'packages', 'store-prisma')
const folders = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

describe("the example's copies of @clerk-sync/prisma's Postgres schema", () => {
  it('prisma/schema/clerk-sync.prisma is prisma/postgresql.prisma unchanged', () => {
    expect(readFileSync(join(appDir, 'prisma', 'schema', 'clerk-sync.prisma'), 'utf8')).toBe(
      readFileSync(join(storeDir, 'prisma', 'postgresql.prisma'), 'utf8'),
    )
  })

  it('prisma/migrations holds every migrations/postgresql folder, unchanged', () => {
    const shipped = folders(join(storeDir, 'migrations', 'postgresql'))
    expect(folders(join(appDir, 'prisma', 'migrations'))).toEqual(shipped)
    for (const name of shipped) {
      expect(
        readFileSync(join(appDir, 'prisma', 'migrations', name, 'migration.sql'), 'utf8'),
      ).toBe(
        readFileSync(join(storeDir, 'migrations', 'postgresql', name, 'migration.sql'), 'utf8'),
      )
    }
  })
})
