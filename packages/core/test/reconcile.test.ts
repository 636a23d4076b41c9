import { createClerkClient } from '@clerk/backend'
import {
  createClerkSync,
  type DriftItem,
  MemoryStore,
  silentLogger,
  type UserStore,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const T0 = Date.UTC(2025, 0, 1)

/** The store without its optional `getUsers`: reconcile must fall back to `getUser` per id. */
function withoutGetUsers(store: MemoryStore): UserStore {
  return {
    upsertUser: (input) => store.upsertUser(input),
    deleteUser: (input) => store.deleteUser(input),
    upsertUsers: (input) => store.upsertUsers(input),
    getUser: (id) => store.getUser(id),
    listUsers: (options) => store.listUsers(options),
    countUsersByRole: () => store.countUsersByRole(),
    listAuditEntries: (options) => store.listAuditEntries(options),
    pruneEvents: (options) => store.pruneEvents(options),
  }
}

const byKind = (items: DriftItem[], kind: DriftItem['kind']) =>
  items
    .filter((item) => item.kind === kind)
    .map((item) => item.userId)
    .sort()

for (const variant of ['getUsers', 'getUser per id'] as const) {
  describe(`sync.reconcile (MemoryStore, ${variant})`, () => {
    let emulator: ClerkEmulator
    beforeEach(async () => {
      emulator = await startClerkEmulator()
    })
    afterEach(() => emulator.close())

    function setup() {
      const memory = new MemoryStore()
      const sync = createClerkSync({
        signingSecret: generateSigningSecret(),
        store: variant === 'getUsers' ? memory : withoutGetUsers(memory),
        logger: silentLogger,
      })
      const clerk = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
      return { memory, sync, clerk }
    }

    it('finds each kind of drift, repairs it with apply, and then finds none', async () => {
      const users = emulator.seedUsers(
        Array.from({ length: 300 }, (_, i) => ({ createdAt: T0 + i, firstName: `U${i}` })),
      )
      const { memory, sync, clerk } = setup()
      await sync.backfill({ clerk })

      // Created in Clerk while the webhook was off: missing locally.
      const added = emulator.seedUsers([{ createdAt: T0 + 5000 }, { createdAt: T0 + 5001 }])
      // Edited locally (same version): different.
      const edited = users[10]!
      const local = (await memory.getUser(edited.id))!
      await memory.upsertUser({
        user: { ...local, firstName: 'Edited', role: 'admin' },
        origin: { source: 'api', actor: null },
      })
      // A webhook landed with a newer version than Clerk's listing: not drift.
      const newer = users[20]!
      await memory.upsertUser({
        user: {
          ...(await memory.getUser(newer.id))!,
          lastName: 'Newer',
          updatedAt: new Date(T0 + 9e6),
        },
        origin: { source: 'webhook', actor: null },
      })
      // Deleted in Clerk, its user.deleted webhook missed: gone.
      const deleted = [users[30]!.id, users[31]!.id]
      emulator.deleteUsers(deleted)

      const streamed: DriftItem[] = []
      const report = await sync.reconcile({ clerk, pageSize: 64, onItem: (i) => streamed.push(i) })
      expect(report).toMatchObject({
        clerkScanned: 300,
        localScanned: 300,
        missing: 2,
        different: 1,
        gone: 2,
        repaired: 0,
        refused: null,
        aborted: false,
        itemsTruncated: false,
      })
      expect(streamed).toEqual(report.items)
      expect(byKind(report.items, 'missing')).toEqual(added.map((u) => u.id).sort())
      expect(byKind(report.items, 'gone')).toEqual([...deleted].sort())
      expect(report.items.find((i) => i.kind === 'different')).toEqual({
        kind: 'different',
        userId: edited.id,
        fields: ['firstName', 'role'],
        repaired: false,
      })
      // Report only: nothing changed.
      expect((await memory.getUser(edited.id))?.firstName).toBe('Edited')
      expect(await memory.getUser(deleted[0]!)).not.toBeNull()

      const repair = await sync.reconcile({ clerk, apply: true })
      expect(repair).toMatchObject({ missing: 2, different: 1, gone: 2, repaired: 5 })
      expect(repair.items.every((i) => i.repaired)).toBe(true)
      expect((await memory.getUser(edited.id))?.firstName).toBe('U10')
      expect((await memory.getUser(newer.id))?.lastName).toBe('Newer')
      for (const id of deleted) expect(await memory.getUser(id)).toBeNull()
      for (const user of added) expect(await memory.getUser(user.id)).not.toBeNull()
      expect(memory.snapshot().audit.at(-1)).toMatchObject({
        source: 'reconcile',
        toRole: 'client',
      })

      const after = await sync.reconcile({ clerk, apply: true })
      expect(after).toMatchObject({ missing: 0, different: 0, gone: 0, repaired: 0, items: [] })
    })

    it('refuses to tombstone more than max(10, 1%) without force; force tombstones them', async () => {
      const users = emulator.seedUsers(
        Array.from({ length: 40 }, (_, i) => ({ createdAt: T0 + i })),
      )
      const { memory, sync, clerk } = setup()
      await sync.backfill({ clerk })
      const deleted = users.slice(0, 12).map((u) => u.id)
      emulator.deleteUsers(deleted)

      const refused = await sync.reconcile({ clerk, apply: true })
      expect(refused.refused).toMatchObject({ limit: 10, wouldTombstone: 11 })
      expect(refused.refused?.message).toMatch(/force/)
      expect(refused.repaired).toBe(0)
      for (const id of deleted) expect(await memory.getUser(id)).not.toBeNull()

      const forced = await sync.reconcile({ clerk, apply: true, force: true })
      expect(forced).toMatchObject({ refused: null, gone: 12, repaired: 12 })
      for (const id of deleted) expect(await memory.getUser(id)).toBeNull()
    })

    it('a key for another instance never tombstones nor writes its users, even with force', async () => {
      emulator.seedUsers(Array.from({ length: 5 }, (_, i) => ({ createdAt: T0 + i })))
      const { memory, sync, clerk } = setup()
      await sync.backfill({ clerk })
      const other = await startClerkEmulator()
      try {
        // The other instance has users of its own, which must not be written as "missing" here
        // (they would then count as found in Clerk and let every real user be tombstoned).
        other.seedUsers(Array.from({ length: 8 }, (_, i) => ({ createdAt: T0 + i })))
        const wrong = createClerkClient({ apiUrl: other.apiUrl, secretKey: other.secretKey })
        const result = await sync.reconcile({ clerk: wrong, apply: true, force: true })
        expect(result.refused?.message).toMatch(/another instance/)
        expect(result).toMatchObject({ missing: 0, gone: 0, repaired: 0, items: [] })
        expect(await memory.countUsersByRole()).toEqual({ client: 5 })
        for (const user of other.users()) expect(await memory.getUser(user.id)).toBeNull()
      } finally {
        await other.close()
      }
    })
  })
}
