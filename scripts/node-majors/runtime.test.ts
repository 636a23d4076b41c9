import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

/**
 * Run by scripts/node-majors.ts inside each major's vitest run: the test workers are on the Node
 * major the runner asked for, and better-sqlite3 (built at install time against that major's
 * headers) loads in them.
 */
it('runs on the Node major scripts/node-majors.ts asked for, with its native modules', () => {
  const wanted = process.env.CLERK_SYNC_NODE_MAJOR
  expect(wanted, 'CLERK_SYNC_NODE_MAJOR is set by scripts/node-majors.ts').toMatch(/^\d+$/)
  expect(process.versions.node.split('.')[0]).toBe(wanted)

  const storeDrizzle = fileURLToPath(
    new URL('../../packages/store-drizzle/package.json', import.meta.url),
  )
  const Database = createRequire(storeDrizzle)('better-sqlite3') as new (
    path: string,
  ) => { prepare(sql: string): { get(): unknown }; close(): void }
  const db = new Database(':memory:')
  expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 })
  db.close()
})
