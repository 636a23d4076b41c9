import { createClerkClient } from '@clerk/backend'
import type { DriftItem } from '@clerk-sync/core'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clerkTruth,
  type OpenStore,
  startApp,
  storedUsers,
  storeTargets,
  variedUsers,
} from './backfill-targets.js'

const ids = (items: DriftItem[], kind: DriftItem['kind']) =>
  items
    .filter((item) => item.kind === kind)
    .map((item) => item.userId)
    .sort()

// Drift is seeded behind clerk-sync's back with SQL, so these run on the SQL stores.
const targets = (await storeTargets()).filter((target) => target.name !== 'MemoryStore')

for (const target of targets) {
  const suite = target.skip ? describe.skip : describe
  suite(`reconcile against ${target.name}`, () => {
    let opened: OpenStore
    beforeAll(async () => {
      opened = await target.open()
    }, 120_000)
    afterAll(() => opened?.close())

    it('finds each kind of drift seeded deliberately and repairs it with apply', async () => {
      const store = await opened.reset()
      const raw = opened.raw!
      const app = await startApp(store)
      try {
        const users = app.emulator.seedUsers(variedUsers(1500, Date.UTC(2023, 0, 1)))
        await app.sync.backfill({ clerk: app.clerk })

        const rowDeleted = [users[5]!.id, users[700]!.id]
        for (const id of rowDeleted)
          await raw.query('DELETE FROM clerk_sync_users WHERE id = ?', [id])
        const edited = users[42]!.id
        await raw.query("UPDATE clerk_sync_users SET first_name = 'Edited here' WHERE id = ?", [
          edited,
        ])
        const goneInClerk = [users[100]!.id, users[1400]!.id, users[1401]!.id]
        app.emulator.deleteUsers(goneInClerk)
        const createdInClerk = app.emulator.seedUsers([{}, {}, {}]).map((u) => u.id)

        const report = await app.sync.reconcile({ clerk: app.clerk, pageSize: 200 })
        expect(report).toMatchObject({
          clerkScanned: 1500 - 3 + 3,
          localScanned: 1500 - 2,
          missing: 5,
          different: 1,
          gone: 3,
          repaired: 0,
          refused: null,
          aborted: false,
        })
        expect(ids(report.items, 'missing')).toEqual([...rowDeleted, ...createdInClerk].sort())
        expect(ids(report.items, 'gone')).toEqual([...goneInClerk].sort())
        expect(report.items.find((item) => item.kind === 'different')).toEqual({
          kind: 'different',
          userId: edited,
          fields: ['firstName'],
          repaired: false,
        })

        const repair = await app.sync.reconcile({ clerk: app.clerk, apply: true })
        expect(repair).toMatchObject({ missing: 5, different: 1, gone: 3, repaired: 9 })
        expect(await storedUsers(store)).toEqual(await clerkTruth(app.emulator, app.sync))
        const states = await raw.query(
          `SELECT user_id FROM clerk_sync_user_state WHERE deleted_at IS NOT NULL ORDER BY user_id`,
        )
        expect(states.map((row) => row.user_id)).toEqual([...goneInClerk].sort())

        const clean = await app.sync.reconcile({ clerk: app.clerk })
        expect(clean).toMatchObject({ missing: 0, different: 0, gone: 0, items: [] })
      } finally {
        await app.close()
      }
    }, 120_000)

    it('refuses to tombstone more than max(10, 1%) without force, and a wrong key never does', async () => {
      const store = await opened.reset()
      const app = await startApp(store)
      const other = await startClerkEmulator()
      try {
        const users = app.emulator.seedUsers(variedUsers(300, Date.UTC(2023, 6, 1)))
        await app.sync.backfill({ clerk: app.clerk })
        const goneInClerk = users.slice(0, 15).map((u) => u.id)
        app.emulator.deleteUsers(goneInClerk)

        const refused = await app.sync.reconcile({ clerk: app.clerk, apply: true })
        expect(refused.refused).toMatchObject({ limit: 10, wouldTombstone: 11 })
        expect(refused.repaired).toBe(0)
        expect((await storedUsers(store)).length).toBe(300)

        // The other instance's key: every stored user answers 404 there, and its own users must
        // not be written here as "missing".
        other.seedUsers(variedUsers(40, Date.UTC(2022, 0, 1)))
        const wrong = createClerkClient({ apiUrl: other.apiUrl, secretKey: other.secretKey })
        for (const force of [false, true]) {
          const result = await app.sync.reconcile({ clerk: wrong, apply: true, force })
          expect(result.refused?.message).toMatch(/another instance/)
          expect(result).toMatchObject({ missing: 0, gone: 0, repaired: 0 })
          expect((await storedUsers(store)).length).toBe(300)
        }

        const forced = await app.sync.reconcile({ clerk: app.clerk, apply: true, force: true })
        expect(forced).toMatchObject({ refused: null, gone: 15, repaired: 15 })
        expect((await storedUsers(store)).length).toBe(285)
      } finally {
        await other.close()
        await app.close()
      }
    }, 120_000)
  })
}
