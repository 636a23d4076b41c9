import { sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startApp, variedUsers } from '../../../tests/existing-apps/backfill-targets.js'
import { applyMigrations, drizzleStore } from '../src/index.js'
import { sqliteDatabase } from './support/connections.js'

/**
 * An app's own table keeps only some of what clerk-sync syncs (no phone, names or updatedAt
 * columns): reconcile compares what the store keeps, so a clean run reports nothing, while a
 * drifted column that is kept is still found.
 */
const members = sqliteTable('members', {
  clerkId: text('clerk_id').primaryKey(),
  email: text('email'),
  role: text('role'),
})

describe('reconcile over a table that maps only some fields', () => {
  let close: (() => Promise<void>) | undefined
  afterEach(async () => {
    await close?.()
    close = undefined
  })

  it('reports no drift for fields the table has no column for, and finds drift in the ones it has', async () => {
    const database = sqliteDatabase()
    const db = database.db
    await applyMigrations(db)
    await database.raw.query(
      'CREATE TABLE members (clerk_id TEXT PRIMARY KEY, email TEXT, role TEXT)',
    )
    const store = drizzleStore(db, {
      users: {
        table: members,
        columns: { id: members.clerkId, email: members.email, role: members.role },
      },
    })
    expect(store.mappedFields).toEqual(['email', 'role'])
    const app = await startApp(store)
    close = async () => {
      await app.close()
      await database.close()
    }
    const users = app.emulator.seedUsers(variedUsers(300, Date.UTC(2023, 0, 1)))
    const backfill = await app.sync.backfill({ clerk: app.clerk })
    expect(backfill).toMatchObject({ scanned: 300, applied: 300, failed: 0 })

    const clean = await app.sync.reconcile({ clerk: app.clerk })
    expect(clean).toMatchObject({ missing: 0, different: 0, gone: 0, items: [] })

    const edited = users[7]!.id
    await database.raw.query(
      "UPDATE members SET email = 'elsewhere@example.com' WHERE clerk_id = ?",
      [edited],
    )
    const drift = await app.sync.reconcile({ clerk: app.clerk, apply: true })
    expect(drift.items).toEqual([
      { kind: 'different', userId: edited, fields: ['email'], repaired: true },
    ])
    const again = await app.sync.reconcile({ clerk: app.clerk })
    expect(again.items).toEqual([])
  })
})
