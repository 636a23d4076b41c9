import {
  defaultRoles,
  type EventRef,
  type RoleDefinition,
  type SyncedUser,
  type UserStore,
  type WriteOrigin,
} from '@clerk-sync/core'
import { SYNCED_USER_FIELDS } from '@clerk-sync/core/store-kit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { randomId } from '../sign-webhook.js'
import type {
  ConformanceHarness,
  KeepingDeletePolicy,
  RawUserRow,
  StoreConformanceOptions,
} from './harness.js'

const webhook: WriteOrigin = { source: 'webhook', actor: null }
const T0 = Date.UTC(2026, 0, 1)
const PERSONAL = ['email', 'firstName', 'lastName', 'username', 'phone', 'imageUrl'] as const
const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

function eventRef(type = 'user.updated', receivedAt = new Date()): EventRef {
  return { id: randomId('msg'), type, receivedAt }
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

/**
 * The contract every `UserStore` honours, as a vitest suite. Call it from a test file:
 *
 * @example
 * storeConformance({ name: 'my store', setup: async () => ({ store, inspect, failNextWrite }) })
 */
export function storeConformance<R extends string = string>(
  options: StoreConformanceOptions<R>,
): void {
  const roles = (options.roles ?? defaultRoles) as RoleDefinition<R>
  // Two distinct roles, chosen the same way every run: the audit and role-read tests need a change.
  const roleA = roles.defaultRole
  const roleB = roles.roles.find((r) => r !== roleA)
  if (roleB === undefined) {
    throw new Error(
      `storeConformance(${options.name}): \`roles\` must hold at least two roles (got ${roles.roles.join(', ')}); role changes cannot be tested with one. Pass defineRoles({ roles: ['a', 'b'], … }) or leave \`roles\` unset.`,
    )
  }
  // A third role for a user's stored role that neither of two racing writes sets (the default
  // roles have three); with only two roles, A again.
  const roleC = roles.roles.find((r) => r !== roleA && r !== roleB) ?? roleA
  const bulkSize = options.bulkSize ?? 10_000
  const timeout = options.timeoutMs ?? 60_000

  function user(
    id: string,
    overrides: Partial<SyncedUser<R>> & { version?: number } = {},
  ): SyncedUser<R> {
    const { version = 0, ...rest } = overrides
    return {
      id,
      email: `${id.toLowerCase()}@example.com`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      username: null,
      phone: null,
      imageUrl: 'https://img.clerk.com/x',
      role: roleA,
      createdAt: new Date(T0),
      updatedAt: new Date(T0 + version),
      ...rest,
    }
  }

  const title = `UserStore conformance: ${options.name}`
  const suite = options.skip ? describe.skip : describe
  suite(options.skip ? `${title} (skipped: ${options.skip})` : title, { timeout }, () => {
    let h: ConformanceHarness<R>
    let store: UserStore<R>

    beforeEach(async () => {
      h = await options.setup()
      store = h.store
    })
    afterEach(async () => {
      await h?.teardown?.()
    })

    /**
     * Two versions of one user race: the newer one (version 2, role B) is held inside the store's
     * transaction, and once it reaches the hold the older one (version 1, role A) starts with its
     * own event id. Either may commit first, depending on where the store's hold sits.
     */
    async function raceTwoVersions(id: string) {
      const newerEvent = eventRef()
      const olderEvent = eventRef()
      const held = await h.delayNextWrite(id, { delayMs: 300 })
      const newer = store.upsertUser({
        user: user(id, { version: 2, role: roleB, firstName: 'v2' }),
        origin: webhook,
        event: newerEvent,
      })
      await held.entered
      const older = store.upsertUser({
        user: user(id, { version: 1, role: roleA, firstName: 'v1' }),
        origin: webhook,
        event: olderEvent,
      })
      const [newerResult, olderResult] = await Promise.all([newer, older])
      expect(newerResult.outcome).toBe('applied')
      expect(['applied', 'stale']).toContain(olderResult.outcome)
      // Whoever won, the newest version is what stays, and both event ids are handled.
      const stored = await store.getUser(id)
      expect(stored).toMatchObject({ role: roleB, firstName: 'v2' })
      expect(stored?.updatedAt.getTime()).toBe(T0 + 2)
      expect((await h.inspect.syncState(id))?.version).toBe(T0 + 2)
      expect(await h.inspect.eventRecorded(newerEvent.id)).toBe(true)
      expect(await h.inspect.eventRecorded(olderEvent.id)).toBe(true)
      const { entries } = await store.listAuditEntries({ userId: id })
      expect(await h.inspect.auditRowCount(id)).toBe(entries.length)
      return { newer: newerResult, older: olderResult, newerEvent, olderEvent, entries }
    }

    function auditEntry(id: string, fromRole: R, toRole: R, eventId: string) {
      return expect.objectContaining({
        actor: null,
        targetUserId: id,
        fromRole,
        toRole,
        source: 'webhook',
        eventId,
      })
    }

    describe('writes and reads', () => {
      it('creates a user on first sight and reads it back field by field', async () => {
        const u = user(randomId('user'), { phone: '+15555550100', username: 'ada' })
        const result = await store.upsertUser({
          user: u,
          origin: webhook,
          event: eventRef('user.created'),
        })
        expect(result).toEqual({ outcome: 'applied', previousRole: null, created: true })
        const stored = await store.getUser(u.id)
        expect(stored).toMatchObject({ ...u, createdAt: u.createdAt, updatedAt: u.updatedAt })
        expect(stored!.updatedAt.getTime()).toBe(u.updatedAt.getTime())
        expect(await h.inspect.userRowExists(u.id)).toBe(true)
        expect(await h.inspect.syncState(u.id)).toEqual({
          version: u.updatedAt.getTime(),
          deletedAt: null,
        })
      })

      it('stores nulls as nulls (a user with no email, names or image)', async () => {
        const u = user(randomId('user'), {
          email: null,
          firstName: null,
          lastName: null,
          imageUrl: null,
        })
        await store.upsertUser({ user: u, origin: webhook })
        expect(await store.getUser(u.id)).toMatchObject({
          email: null,
          firstName: null,
          lastName: null,
          imageUrl: null,
          phone: null,
          username: null,
        })
      })

      it('creates an unknown user from an update, and reports created=false on later updates', async () => {
        const id = randomId('user')
        expect(
          (await store.upsertUser({ user: user(id), origin: webhook, event: eventRef() })).created,
        ).toBe(true)
        const second = await store.upsertUser({
          user: user(id, { version: 1, firstName: 'Grace' }),
          origin: webhook,
          event: eventRef(),
        })
        expect(second).toEqual({ outcome: 'applied', previousRole: roleA, created: false })
        expect((await store.getUser(id))?.firstName).toBe('Grace')
      })

      it('keeps milliseconds of Clerk’s timestamps', async () => {
        const u = user(randomId('user'), { createdAt: new Date(T0 + 123), version: 45_678 })
        await store.upsertUser({ user: u, origin: webhook })
        const stored = await store.getUser(u.id)
        expect(stored?.createdAt.getTime()).toBe(T0 + 123)
        expect(stored?.updatedAt.getTime()).toBe(T0 + 45_678)
        expect((await h.inspect.syncState(u.id))?.version).toBe(T0 + 45_678)
        // One millisecond older is stale: the guard compares milliseconds, not seconds.
        const older = await store.upsertUser({
          user: user(u.id, { version: 45_677 }),
          origin: webhook,
        })
        expect(older.outcome).toBe('stale')
      })

      it('treats ids that differ only in case as different users', async () => {
        await store.upsertUser({
          user: user('user_CaseTest', { firstName: 'Upper' }),
          origin: webhook,
        })
        await store.upsertUser({
          user: user('user_casetest', { firstName: 'Lower' }),
          origin: webhook,
        })
        expect((await store.getUser('user_CaseTest'))?.firstName).toBe('Upper')
        expect((await store.getUser('user_casetest'))?.firstName).toBe('Lower')
      })

      it('reads the live users among up to 1000 ids in one call (getUsers)', async (ctx) => {
        if (!store.getUsers) return ctx.skip('the store has no getUsers (optional)')
        const ids = Array.from({ length: 6 }, () => randomId('user'))
        for (const [i, id] of ids.entries()) {
          await store.upsertUser({
            user: user(id, { version: i, role: i % 2 ? roleB : roleA, phone: `+1555555010${i}` }),
            origin: webhook,
          })
        }
        const [gone, ...live] = ids as [string, ...string[]]
        await store.deleteUser({ userId: gone, deletedAt: new Date(T0 + 100) })
        const never = randomId('user')
        const found = await store.getUsers([...ids, never, live[0]!])
        const expected = await Promise.all(live.map((id) => store.getUser(id)))
        expect([...found].sort(byId)).toEqual([...expected].sort(byId as never))
        expect(await store.getUsers([])).toEqual([])
        // 1000 ids in one call, the live ones anywhere among them.
        const many = Array.from({ length: 1000 - live.length }, () => randomId('user'))
        many.splice(500, 0, ...live)
        expect((await store.getUsers(many)).map((u) => u.id).sort()).toEqual([...live].sort())
        await expect(store.getUsers([...many, never])).rejects.toThrow(/1000/)
      })

      it('reads back every field it names in mappedFields, the role always (reconcile compares only these)', async (ctx) => {
        const mapped = store.mappedFields
        if (!mapped) return ctx.skip('the store keeps every field (no mappedFields)')
        expect(mapped).toContain('role')
        for (const field of mapped) expect(SYNCED_USER_FIELDS).toContain(field)
        const id = randomId('user')
        const written = user(id, {
          version: 7,
          role: roleB,
          username: `name_${id.slice(-8).toLowerCase()}`,
          phone: '+15555550142',
        })
        await store.upsertUser({ user: written, origin: webhook })
        const stored = await store.getUser(id)
        for (const field of mapped) expect(stored?.[field], field).toEqual(written[field])
      })

      it('returns null for a user never seen', async () => {
        expect(await store.getUser(randomId('user'))).toBeNull()
      })
    })

    describe('idempotency per event id', () => {
      it('answers duplicate for the same event id and leaves the store unchanged', async () => {
        const id = randomId('user')
        const event = eventRef()
        await store.upsertUser({ user: user(id), origin: webhook, event })
        // Same id, different content: a replay never rewrites.
        const again = await store.upsertUser({
          user: user(id, { version: 5, firstName: 'Changed' }),
          origin: webhook,
          event,
        })
        expect(again.outcome).toBe('duplicate')
        expect((await store.getUser(id))?.firstName).toBe('Ada')
        expect((await h.inspect.syncState(id))?.version).toBe(T0)
      })

      it('records every handled event id, applied or stale', async () => {
        const id = randomId('user')
        const applied = eventRef()
        const stale = eventRef()
        await store.upsertUser({ user: user(id, { version: 10 }), origin: webhook, event: applied })
        const result = await store.upsertUser({
          user: user(id, { version: 5 }),
          origin: webhook,
          event: stale,
        })
        expect(result.outcome).toBe('stale')
        expect(await h.inspect.eventRecorded(applied.id)).toBe(true)
        expect(await h.inspect.eventRecorded(stale.id)).toBe(true)
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 5 }),
              origin: webhook,
              event: stale,
            })
          ).outcome,
        ).toBe('duplicate')
      })

      it('says whether an event id is recorded: applied, stale or deleted, not failed or pruned', async () => {
        expect(
          typeof store.hasEvent,
          'UserStore.hasEvent(eventId) is part of the contract: core asks it before answering 500 to a replay',
        ).toBe('function')
        const hasEvent = (id: string) => store.hasEvent!(id)
        const id = randomId('user')
        const applied = eventRef()
        const stale = eventRef()
        const deleted = eventRef('user.deleted')
        const failed = eventRef()
        const old = eventRef('user.created', new Date(Date.now() - 40 * 86_400_000))
        expect(await hasEvent(applied.id)).toBe(false)
        await store.upsertUser({ user: user(id, { version: 10 }), origin: webhook, event: old })
        await store.upsertUser({ user: user(id, { version: 20 }), origin: webhook, event: applied })
        await store.upsertUser({ user: user(id, { version: 5 }), origin: webhook, event: stale })
        const other = randomId('user')
        await h.delayNextWrite(other, { delayMs: 0, fail: true })
        await expect(
          store.upsertUser({ user: user(other), origin: webhook, event: failed }),
        ).rejects.toThrow()
        await store.deleteUser({ userId: id, deletedAt: new Date(T0 + 30), event: deleted })
        expect(await hasEvent(applied.id)).toBe(true)
        expect(await hasEvent(stale.id)).toBe(true)
        expect(await hasEvent(deleted.id)).toBe(true)
        expect(await hasEvent(failed.id)).toBe(false)
        expect(await hasEvent(randomId('msg'))).toBe(false)
        await store.pruneEvents({ olderThan: new Date(Date.now() - 30 * 86_400_000) })
        expect(await hasEvent(old.id)).toBe(false)
        expect(await hasEvent(applied.id)).toBe(true)
      })

      it('reports exactly one applied among 50 concurrent deliveries of one event', async () => {
        const id = randomId('user')
        const event = eventRef('user.created')
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            store.upsertUser({ user: user(id), origin: webhook, event }),
          ),
        )
        const outcomes = results.map((r) => r.outcome)
        expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1)
        expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(49)
        expect(await h.inspect.eventRecorded(event.id)).toBe(true)
        expect(await h.inspect.auditRowCount(id)).toBe(0)
      })

      it('does not record the event when the write fails, so a retry applies it', async () => {
        const id = randomId('user')
        const event = eventRef()
        await h.delayNextWrite(id, { delayMs: 0, fail: true })
        await expect(store.upsertUser({ user: user(id), origin: webhook, event })).rejects.toThrow()
        expect(await h.inspect.eventRecorded(event.id)).toBe(false)
        expect(await store.getUser(id)).toBeNull()
        expect(await h.inspect.userRowExists(id)).toBe(false)
        expect((await store.upsertUser({ user: user(id), origin: webhook, event })).outcome).toBe(
          'applied',
        )
        expect(await h.inspect.eventRecorded(event.id)).toBe(true)
      })

      it('lets waiting duplicates apply the event once when the first delivery fails', async () => {
        const id = randomId('user')
        const event = eventRef()
        const held = await h.delayNextWrite(id, { delayMs: 300, fail: true })
        const settled: string[] = []
        const first = store.upsertUser({ user: user(id), origin: webhook, event }).then(
          () => settled.push('first:resolved'),
          () => settled.push('first:rejected'),
        )
        await held.entered
        // Several waiters: on InnoDB they contend for the key the first one released.
        const waiters = Array.from({ length: 3 }, () =>
          store.upsertUser({ user: user(id), origin: webhook, event }).then((r) => {
            settled.push(`waiter:${r.outcome}`)
            return r
          }),
        )
        const results = await Promise.all(waiters)
        await first
        // No waiter answers before the first delivery has finished.
        expect(settled[0]).toBe('first:rejected')
        expect(results.map((r) => r.outcome).sort()).toEqual(['applied', 'duplicate', 'duplicate'])
        expect(await store.getUser(id)).not.toBeNull()
        expect(await h.inspect.eventRecorded(event.id)).toBe(true)
      })

      it('makes a duplicate wait for the first delivery to commit, then answer duplicate', async () => {
        const id = randomId('user')
        const event = eventRef()
        const held = await h.delayNextWrite(id, { delayMs: 300 })
        const first = store.upsertUser({ user: user(id), origin: webhook, event })
        await held.entered
        // When the duplicate answers, the first delivery's write must already be committed (the
        // clients may hear back in either order: that is the network, not the contract).
        const second = store
          .upsertUser({ user: user(id), origin: webhook, event })
          .then(async (r) => ({
            outcome: r.outcome,
            committed: await h.inspect.userRowExists(id),
          }))
        const [a, b] = await Promise.all([first, second])
        expect(a.outcome).toBe('applied')
        expect(b).toEqual({ outcome: 'duplicate', committed: true })
      })
    })

    describe('version guard', () => {
      it('applies newer and equal versions and skips older ones', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 10, firstName: 'v10' }),
          origin: webhook,
          event: eventRef(),
        })
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 9, firstName: 'v9' }),
              origin: webhook,
              event: eventRef(),
            })
          ).outcome,
        ).toBe('stale')
        expect((await store.getUser(id))?.firstName).toBe('v10')
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 10, firstName: 'v10b' }),
              origin: webhook,
              event: eventRef(),
            })
          ).outcome,
        ).toBe('applied')
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 11, firstName: 'v11' }),
              origin: webhook,
              event: eventRef(),
            })
          ).outcome,
        ).toBe('applied')
        expect((await store.getUser(id))?.firstName).toBe('v11')
        expect((await h.inspect.syncState(id))?.version).toBe(T0 + 11)
      })

      it('ends in the newest state when 30 versions of one user arrive concurrently in random order', async () => {
        const id = randomId('user')
        const versions = shuffle(Array.from({ length: 30 }, (_, i) => i + 1))
        const events = versions.map(() => eventRef())
        const results = await Promise.all(
          versions.map((v, i) =>
            store.upsertUser({
              user: user(id, { version: v * 1000, firstName: `v${v}` }),
              origin: webhook,
              event: events[i]!,
            }),
          ),
        )
        expect(results.every((r) => r.outcome === 'applied' || r.outcome === 'stale')).toBe(true)
        const stored = await store.getUser(id)
        expect(stored?.firstName).toBe('v30')
        expect(stored?.updatedAt.getTime()).toBe(T0 + 30_000)
        expect((await h.inspect.syncState(id))?.version).toBe(T0 + 30_000)
        for (const event of events) expect(await h.inspect.eventRecorded(event.id)).toBe(true)
      })

      it('reports one creation when two versions of a new user race, and audits from the role the first one committed', async () => {
        const id = randomId('user')
        const { newer, older, newerEvent, entries } = await raceTwoVersions(id)
        const applied = [newer, older].filter((r) => r.outcome === 'applied')
        expect(
          applied.filter((r) => r.created),
          'exactly one of the two applied writes created the user',
        ).toHaveLength(1)
        if (older.outcome === 'stale') {
          // The newer version committed first: it created the user; the older one changed nothing.
          expect(newer).toEqual({ outcome: 'applied', previousRole: null, created: true })
          expect(entries).toEqual([])
        } else {
          // The older version committed first: it created the user, and the newer one replaced the
          // role the older one committed, not the nothing it may have read before waiting.
          expect(older).toEqual({ outcome: 'applied', previousRole: null, created: true })
          expect(newer).toEqual({ outcome: 'applied', previousRole: roleA, created: false })
          expect(entries).toEqual([auditEntry(id, roleA, roleB, newerEvent.id)])
        }
      })

      it('audits from the role the other racer committed, not the one read before waiting, when two versions of an existing user race', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 0, role: roleC }),
          origin: webhook,
          event: eventRef(),
        })
        const { newer, older, newerEvent, olderEvent, entries } = await raceTwoVersions(id)
        expect([newer, older].filter((r) => r.outcome === 'applied' && r.created)).toEqual([])
        if (older.outcome === 'stale') {
          // The newer version committed first, over the stored role; the older one changed nothing.
          expect(newer).toEqual({ outcome: 'applied', previousRole: roleC, created: false })
          expect(entries).toEqual([auditEntry(id, roleC, roleB, newerEvent.id)])
        } else {
          // The older version committed first: the newer one's `from` is the role it committed.
          expect(older).toEqual({ outcome: 'applied', previousRole: roleC, created: false })
          expect(newer).toEqual({ outcome: 'applied', previousRole: roleA, created: false })
          expect(entries).toEqual([
            ...(roleC === roleA ? [] : [auditEntry(id, roleC, roleA, olderEvent.id)]),
            auditEntry(id, roleA, roleB, newerEvent.id),
          ])
        }
      })
    })

    describe('tombstones', () => {
      it('deletes the row, keeps the tombstone, and refuses any later upsert whatever its timestamp', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 1 }),
          origin: webhook,
          event: eventRef(),
        })
        const deleted = await store.deleteUser({
          userId: id,
          deletedAt: new Date(T0 + 2),
          event: eventRef('user.deleted'),
        })
        expect(deleted.outcome).toBe('applied')
        expect(await store.getUser(id)).toBeNull()
        expect(await h.inspect.userRowExists(id)).toBe(false)
        expect((await h.inspect.syncState(id))?.deletedAt).toBeInstanceOf(Date)
        const late = await store.upsertUser({
          user: user(id, { version: 1_000_000 }),
          origin: webhook,
          event: eventRef(),
        })
        expect(late.outcome).toBe('stale')
        expect(await store.getUser(id)).toBeNull()
        expect(await h.inspect.userRowExists(id)).toBe(false)
        expect((await store.listUsers()).users.map((u) => u.id)).not.toContain(id)
      })

      it('records a tombstone for a user never seen, so its late creation stays out', async () => {
        const id = randomId('user')
        expect(
          (
            await store.deleteUser({
              userId: id,
              deletedAt: new Date(T0),
              event: eventRef('user.deleted'),
            })
          ).outcome,
        ).toBe('applied')
        expect((await h.inspect.syncState(id))?.deletedAt).toBeInstanceOf(Date)
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 5 }),
              origin: webhook,
              event: eventRef('user.created'),
            })
          ).outcome,
        ).toBe('stale')
        expect(await h.inspect.userRowExists(id)).toBe(false)
      })

      it('answers stale to a second delete and duplicate to a repeated one', async () => {
        const id = randomId('user')
        const event = eventRef('user.deleted')
        await store.deleteUser({ userId: id, deletedAt: new Date(T0), event })
        expect(
          (await store.deleteUser({ userId: id, deletedAt: new Date(T0), event })).outcome,
        ).toBe('duplicate')
        expect(
          (
            await store.deleteUser({
              userId: id,
              deletedAt: new Date(T0 + 1),
              event: eventRef('user.deleted'),
            })
          ).outcome,
        ).toBe('stale')
      })

      it('never resurrects a user when an upsert is held while the delete commits', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 1 }),
          origin: webhook,
          event: eventRef(),
        })
        const held = await h.delayNextWrite(id, { delayMs: 300 })
        const upsert = store.upsertUser({
          user: user(id, { version: 2 }),
          origin: webhook,
          event: eventRef(),
        })
        await held.entered
        const removed = await store.deleteUser({
          userId: id,
          deletedAt: new Date(T0 + 3),
          event: eventRef('user.deleted'),
        })
        const upserted = await upsert
        expect(removed.outcome).toBe('applied')
        expect(['applied', 'stale']).toContain(upserted.outcome)
        expect(await store.getUser(id)).toBeNull()
        expect(await h.inspect.userRowExists(id)).toBe(false)
        expect((await h.inspect.syncState(id))?.deletedAt).toBeInstanceOf(Date)
      })

      it('never resurrects a user when a delete is held while an older upsert arrives', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 1 }),
          origin: webhook,
          event: eventRef(),
        })
        const held = await h.delayNextWrite(id, { delayMs: 300 })
        const removal = store.deleteUser({
          userId: id,
          deletedAt: new Date(T0 + 3),
          event: eventRef('user.deleted'),
        })
        await held.entered
        const upserted = await store.upsertUser({
          user: user(id, { version: 2 }),
          origin: webhook,
          event: eventRef(),
        })
        expect((await removal).outcome).toBe('applied')
        expect(['applied', 'stale']).toContain(upserted.outcome)
        expect(await store.getUser(id)).toBeNull()
        expect(await h.inspect.userRowExists(id)).toBe(false)
      })

      it('never resurrects a user across 20 unforced upsert/delete races', async () => {
        for (let round = 0; round < 20; round++) {
          const id = randomId('user')
          await store.upsertUser({
            user: user(id, { version: 1 }),
            origin: webhook,
            event: eventRef(),
          })
          const writes = [
            () =>
              store.upsertUser({
                user: user(id, { version: 2 }),
                origin: webhook,
                event: eventRef(),
              }),
            () =>
              store.deleteUser({
                userId: id,
                deletedAt: new Date(T0 + 3),
                event: eventRef('user.deleted'),
              }),
          ]
          await Promise.all(round % 2 ? writes.map((w) => w()) : writes.reverse().map((w) => w()))
          expect(await store.getUser(id)).toBeNull()
          expect(await h.inspect.userRowExists(id)).toBe(false)
        }
      })

      it('keeps a user deleted through a bulk upsert', async () => {
        const id = randomId('user')
        await store.deleteUser({ userId: id, deletedAt: new Date(T0) })
        const result = await store.upsertUsers({
          users: [user(id, { version: 99 })],
          origin: { source: 'backfill', actor: null },
        })
        expect(result).toEqual({ applied: [], stale: [id], failed: [] })
        expect(await h.inspect.userRowExists(id)).toBe(false)
      })
    })

    describe('bulk upsert', () => {
      it(`writes ${bulkSize.toLocaleString('en')} users in one call with the same guard`, async () => {
        const users = Array.from({ length: bulkSize }, (_, i) =>
          user(`user_bulk${String(i).padStart(6, '0')}`, {
            version: 10,
            role: i % 3 === 0 ? roleB : roleA,
          }),
        )
        const first = await store.upsertUsers({
          users,
          origin: { source: 'backfill', actor: null },
        })
        expect(first.applied).toHaveLength(bulkSize)
        expect(first.stale).toHaveLength(0)
        expect(first.failed).toEqual([])

        // Older copies of the first ten are stale; newer copies of the next ten apply.
        const older = users
          .slice(0, 10)
          .map((u) => ({ ...u, updatedAt: new Date(T0 + 5), firstName: 'old' }))
        const newer = users
          .slice(10, 20)
          .map((u) => ({ ...u, updatedAt: new Date(T0 + 20), firstName: 'new' }))
        const second = await store.upsertUsers({
          users: [...older, ...newer],
          origin: { source: 'backfill', actor: null },
        })
        expect(new Set(second.stale)).toEqual(new Set(older.map((u) => u.id)))
        expect(new Set(second.applied)).toEqual(new Set(newer.map((u) => u.id)))
        expect((await store.getUser(users[0]!.id))?.firstName).toBe('Ada')
        expect((await store.getUser(users[10]!.id))?.firstName).toBe('new')

        let seen = 0
        let cursor: string | null = null
        do {
          const page: Awaited<ReturnType<UserStore<R>['listUsers']>> = await store.listUsers({
            limit: 1000,
            cursor,
          })
          seen += page.users.length
          cursor = page.nextCursor
        } while (cursor)
        expect(seen).toBe(bulkSize)
        const counts = await store.countUsersByRole()
        const expectedB = Math.ceil(bulkSize / 3)
        expect(counts[roleB]).toBe(expectedB)
        expect(counts[roleA]).toBe(bulkSize - expectedB)
      })
    })

    describe('bulk upsert of one id more than once', () => {
      it('reports each id once, in one list, and stores the newest copy in the batch', async () => {
        const backfill: WriteOrigin = { source: 'backfill', actor: null }
        const [rising, falling, olderThanStored] = [
          randomId('user'),
          randomId('user'),
          randomId('user'),
        ]
        await store.upsertUsers({
          users: [user(olderThanStored, { version: 50, firstName: 'v50' })],
          origin: backfill,
        })
        const result = await store.upsertUsers({
          users: [
            user(rising, { version: 10, firstName: 'v10' }),
            user(falling, { version: 40, firstName: 'v40', role: roleB }),
            user(olderThanStored, { version: 30, firstName: 'v30' }),
            user(rising, { version: 20, firstName: 'v20', role: roleB }),
            user(falling, { version: 30, firstName: 'v30' }),
            user(olderThanStored, { version: 40, firstName: 'v40' }),
          ],
          origin: backfill,
        })
        expect([...result.applied].sort()).toEqual([rising, falling].sort())
        expect(result.stale).toEqual([olderThanStored])
        expect(result.failed).toEqual([])
        expect(await store.getUser(rising)).toMatchObject({ firstName: 'v20', role: roleB })
        expect(await store.getUser(falling)).toMatchObject({ firstName: 'v40', role: roleB })
        expect((await store.getUser(olderThanStored))?.firstName).toBe('v50')
        expect((await h.inspect.syncState(rising))?.version).toBe(T0 + 20)
        expect((await h.inspect.syncState(falling))?.version).toBe(T0 + 40)
        expect((await h.inspect.syncState(olderThanStored))?.version).toBe(T0 + 50)

        // Copies of a known user: only the newest counts, so A → B → A in one batch is no change.
        const changes = await store.upsertUsers({
          users: [
            user(rising, { version: 21, role: roleA }),
            user(rising, { version: 22, role: roleB }),
          ],
          origin: backfill,
        })
        expect(changes).toEqual({ applied: [rising], stale: [], failed: [] })
        expect(await h.inspect.auditRowCount(rising)).toBe(0)
      })
    })

    describe('group commit (upsertUserBatch, for stores that have it)', () => {
      it('answers each input of a batch as upsertUser would answer it alone', async (ctx) => {
        if (!store.upsertUserBatch) return ctx.skip()
        const [fresh, known, newer, deleted, replayed, byAdmin] = Array.from({ length: 6 }, () =>
          randomId('user'),
        )
        await store.upsertUser({ user: user(known!, { version: 1 }), origin: webhook })
        await store.upsertUser({ user: user(newer!, { version: 9 }), origin: webhook })
        await store.deleteUser({ userId: deleted!, deletedAt: new Date(T0) })
        const recorded = eventRef()
        await store.upsertUser({
          user: user(replayed!, { version: 1 }),
          origin: webhook,
          event: recorded,
        })
        const events = Array.from({ length: 4 }, () => eventRef())
        const admin: WriteOrigin = { source: 'api', actor: 'user_admin' }
        const results = await store.upsertUserBatch([
          { user: user(fresh!, { version: 1 }), origin: webhook, event: events[0] },
          { user: user(known!, { version: 2, role: roleB }), origin: webhook, event: events[1] },
          {
            user: user(newer!, { version: 5, firstName: 'old' }),
            origin: webhook,
            event: events[2],
          },
          { user: user(deleted!, { version: 5 }), origin: webhook, event: events[3] },
          { user: user(replayed!, { version: 7, role: roleB }), origin: webhook, event: recorded },
          { user: user(byAdmin!, { version: 1, role: roleB }), origin: admin, roleBefore: roleA },
        ])
        expect(results).toEqual([
          { outcome: 'applied', previousRole: null, created: true },
          { outcome: 'applied', previousRole: roleA, created: false },
          { outcome: 'stale', previousRole: null, created: false },
          { outcome: 'stale', previousRole: null, created: false },
          { outcome: 'duplicate', previousRole: null, created: false },
          { outcome: 'applied', previousRole: roleA, created: true },
        ])
        for (const event of events) expect(await h.inspect.eventRecorded(event.id)).toBe(true)
        expect(await store.getUser(fresh!)).toMatchObject({ id: fresh, role: roleA })
        expect(await store.getUser(known!)).toMatchObject({ role: roleB })
        expect((await store.getUser(newer!))?.firstName).toBe('Ada')
        expect(await h.inspect.userRowExists(deleted!)).toBe(false)
        expect((await store.getUser(replayed!))?.role).toBe(roleA)
        expect((await store.listAuditEntries({ userId: known })).entries).toEqual([
          auditEntry(known!, roleA, roleB, events[1]!.id),
        ])
        expect((await store.listAuditEntries({ userId: byAdmin })).entries).toEqual([
          expect.objectContaining({
            actor: 'user_admin',
            fromRole: roleA,
            toRole: roleB,
            source: 'api',
            eventId: null,
          }),
        ])
      })

      it('commits a batch whole or not at all', async (ctx) => {
        if (!store.upsertUserBatch) return ctx.skip()
        const [first, failing] = [randomId('user'), randomId('user')]
        const events = [eventRef(), eventRef()]
        const held = await h.delayNextWrite(failing, { delayMs: 10, fail: true })
        await expect(
          store.upsertUserBatch([
            { user: user(first), origin: webhook, event: events[0] },
            { user: user(failing), origin: webhook, event: events[1] },
          ]),
        ).rejects.toThrow()
        await held.entered
        expect(await h.inspect.eventRecorded(events[0]!.id)).toBe(false)
        expect(await h.inspect.eventRecorded(events[1]!.id)).toBe(false)
        expect(await h.inspect.userRowExists(first)).toBe(false)
        expect(await h.inspect.syncState(first)).toBeNull()
        // The retry of each event alone applies it.
        expect(
          (await store.upsertUser({ user: user(first), origin: webhook, event: events[0] }))
            .outcome,
        ).toBe('applied')
      })

      it('ends in the newest state when 12 batches over the same 30 users race in random orders', async (ctx) => {
        if (!store.upsertUserBatch) return ctx.skip()
        const upsertUserBatch = store.upsertUserBatch.bind(store)
        const ids = Array.from({ length: 30 }, (_, i) => `user_gc${String(i).padStart(3, '0')}`)
        const batches = Array.from({ length: 12 }, (_, b) =>
          shuffle(ids)
            .slice(0, 20)
            .map((id) => ({
              user: user(id, { version: 1 + ((b * 7 + id.length) % 12), firstName: `b${b}` }),
              origin: webhook,
              event: eventRef(),
            })),
        )
        const results = await Promise.all(batches.map((batch) => upsertUserBatch(batch)))
        for (const [b, batch] of batches.entries()) {
          expect(results[b]).toHaveLength(batch.length)
          for (const r of results[b]!) expect(['applied', 'stale']).toContain(r.outcome)
        }
        for (const id of ids) {
          const versions = batches
            .flat()
            .filter((i) => i.user.id === id)
            .map((i) => i.user.updatedAt.getTime())
          if (versions.length === 0) continue
          expect((await h.inspect.syncState(id))?.version).toBe(Math.max(...versions))
          // Exactly one of the inputs that wrote the user created it.
          const created = results
            .flat()
            .filter((r, k) => r.created && batches.flat()[k]!.user.id === id)
          expect(created).toHaveLength(1)
        }
      })
    })

    describe('role audit', () => {
      it('appends one entry per real role change, in the same write', async () => {
        const id = randomId('user')
        await store.upsertUser({
          user: user(id, { version: 1 }),
          origin: webhook,
          event: eventRef(),
        })
        expect(await h.inspect.auditRowCount(id)).toBe(0)

        const changeEvent = eventRef()
        const changed = await store.upsertUser({
          user: user(id, { version: 2, role: roleB }),
          origin: webhook,
          event: changeEvent,
        })
        expect(changed).toMatchObject({ outcome: 'applied', previousRole: roleA })
        // Same role again (e.g. the echo of an API change): no entry.
        await store.upsertUser({
          user: user(id, { version: 3, role: roleB }),
          origin: webhook,
          event: eventRef(),
        })
        // A stale write with another role: no entry.
        await store.upsertUser({
          user: user(id, { version: 1, role: roleA }),
          origin: webhook,
          event: eventRef(),
        })
        // A change by an admin through the API carries the actor.
        await store.upsertUser({
          user: user(id, { version: 4, role: roleA }),
          origin: { source: 'api', actor: 'user_admin' },
        })

        const { entries, nextCursor } = await store.listAuditEntries({ userId: id })
        expect(nextCursor).toBeNull()
        expect(entries).toHaveLength(2)
        expect(entries[0]).toMatchObject({
          actor: null,
          targetUserId: id,
          fromRole: roleA,
          toRole: roleB,
          source: 'webhook',
          eventId: changeEvent.id,
        })
        expect(entries[0]!.at).toBeInstanceOf(Date)
        expect(entries[1]).toMatchObject({
          actor: 'user_admin',
          fromRole: roleB,
          toRole: roleA,
          source: 'api',
          eventId: null,
        })
        expect(await h.inspect.auditRowCount(id)).toBe(2)
      })

      it('takes the caller’s roleBefore as the audit’s from, also for a user it has never seen', async () => {
        const id = randomId('user')
        const api: WriteOrigin = { source: 'api', actor: 'user_admin' }
        const first = await store.upsertUser({
          user: user(id, { version: 1, role: roleB }),
          origin: api,
          roleBefore: roleA,
        })
        expect(first).toMatchObject({ outcome: 'applied', previousRole: roleA, created: true })
        // The echo of that write (same role, say by webhook) adds nothing.
        await store.upsertUser({
          user: user(id, { version: 1, role: roleB }),
          origin: webhook,
          event: eventRef(),
        })
        const { entries } = await store.listAuditEntries({ userId: id })
        expect(entries).toEqual([
          expect.objectContaining({
            actor: 'user_admin',
            fromRole: roleA,
            toRole: roleB,
            source: 'api',
          }),
        ])
        expect(await h.inspect.auditRowCount(id)).toBe(1)
      })

      it('ignores roleBefore when it already holds the new role: the write that brought it recorded the change', async () => {
        // A set-role's webhook echo can land before the role manager's own write of the same
        // version; that write must not add a second entry for the one change.
        const id = randomId('user')
        const api: WriteOrigin = { source: 'api', actor: 'user_admin' }
        await store.upsertUser({ user: user(id, { version: 1, role: roleA }), origin: webhook })
        const echo = eventRef()
        await store.upsertUser({
          user: user(id, { version: 2, role: roleB }),
          origin: webhook,
          event: echo,
        })
        const late = await store.upsertUser({
          user: user(id, { version: 2, role: roleB }),
          origin: api,
          roleBefore: roleA,
        })
        expect(late).toMatchObject({ outcome: 'applied', previousRole: roleB, created: false })
        expect((await store.listAuditEntries({ userId: id })).entries).toEqual([
          expect.objectContaining({
            fromRole: roleA,
            toRole: roleB,
            source: 'webhook',
            eventId: echo.id,
          }),
        ])
        // A real change still takes the caller's roleBefore.
        await store.upsertUser({
          user: user(id, { version: 3, role: roleA }),
          origin: api,
          roleBefore: roleB,
        })
        const { entries } = await store.listAuditEntries({ userId: id })
        expect(entries[1]).toMatchObject({
          actor: 'user_admin',
          fromRole: roleB,
          toRole: roleA,
          source: 'api',
        })
        expect(await h.inspect.auditRowCount(id)).toBe(2)
      })

      it('audits role changes made by a bulk upsert, and pages through entries', async () => {
        const ids = Array.from({ length: 5 }, () => randomId('user'))
        await store.upsertUsers({
          users: ids.map((id) => user(id, { version: 1 })),
          origin: { source: 'backfill', actor: null },
        })
        await store.upsertUsers({
          users: ids.map((id) => user(id, { version: 2, role: roleB })),
          origin: { source: 'backfill', actor: null },
        })
        const page1 = await store.listAuditEntries({ limit: 3 })
        expect(page1.entries).toHaveLength(3)
        expect(page1.nextCursor).not.toBeNull()
        const page2 = await store.listAuditEntries({ limit: 3, cursor: page1.nextCursor })
        expect(page2.entries).toHaveLength(2)
        expect(page2.nextCursor).toBeNull()
        const all = [...page1.entries, ...page2.entries]
        expect(new Set(all.map((e) => e.targetUserId))).toEqual(new Set(ids))
        expect(all.every((e) => e.source === 'backfill' && e.toRole === roleB)).toBe(true)
      })
    })

    describe('pruning', () => {
      it('forgets event ids older than the cutoff and keeps newer ones', async () => {
        const id = randomId('user')
        const old = eventRef('user.created', new Date(Date.now() - 40 * 86_400_000))
        const recent = eventRef('user.updated', new Date())
        await store.upsertUser({ user: user(id, { version: 1 }), origin: webhook, event: old })
        await store.upsertUser({ user: user(id, { version: 2 }), origin: webhook, event: recent })
        const removed = await store.pruneEvents({
          olderThan: new Date(Date.now() - 30 * 86_400_000),
        })
        expect(removed).toBe(1)
        expect(await h.inspect.eventRecorded(old.id)).toBe(false)
        expect(await h.inspect.eventRecorded(recent.id)).toBe(true)
        // A late replay of the pruned event is harmless: the version guard makes it stale.
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 1, firstName: 'replayed' }),
              origin: webhook,
              event: old,
            })
          ).outcome,
        ).toBe('stale')
        expect((await store.getUser(id))?.firstName).toBe('Ada')
      })

      it('keeps tombstones when pruning every event', async () => {
        const id = randomId('user')
        await store.upsertUser({ user: user(id), origin: webhook, event: eventRef() })
        await store.deleteUser({
          userId: id,
          deletedAt: new Date(T0 + 1),
          event: eventRef('user.deleted'),
        })
        await store.pruneEvents({ olderThan: new Date(Date.now() + 60_000) })
        expect((await h.inspect.syncState(id))?.deletedAt).toBeInstanceOf(Date)
        expect(
          (
            await store.upsertUser({
              user: user(id, { version: 99 }),
              origin: webhook,
              event: eventRef(),
            })
          ).outcome,
        ).toBe('stale')
      })
    })

    describe('role reads', () => {
      it('lists users by role in pages of the asked size, with a null cursor on the last page', async () => {
        const ids = Array.from({ length: 7 }, (_, i) => `user_list${i}`)
        for (const [i, id] of ids.entries()) {
          await store.upsertUser({
            user: user(id, { role: i < 5 ? roleB : roleA }),
            origin: webhook,
          })
        }
        const first = await store.listUsers({ role: roleB, limit: 2 })
        expect(first.users.map((u) => u.id)).toEqual(['user_list0', 'user_list1'])
        const second = await store.listUsers({ role: roleB, limit: 2, cursor: first.nextCursor })
        expect(second.users.map((u) => u.id)).toEqual(['user_list2', 'user_list3'])
        const third = await store.listUsers({ role: roleB, limit: 2, cursor: second.nextCursor })
        expect(third.users.map((u) => u.id)).toEqual(['user_list4'])
        expect(third.nextCursor).toBeNull()
        const exact = await store.listUsers({ limit: 7 })
        expect(exact.users).toHaveLength(7)
        expect(exact.nextCursor).toBeNull()
        const counts = await store.countUsersByRole()
        expect(counts).toMatchObject({ [roleB]: 5, [roleA]: 2 })
      })

      it('excludes deleted users from lists and counts', async () => {
        await store.upsertUser({ user: user('user_keep', { role: roleB }), origin: webhook })
        await store.upsertUser({ user: user('user_gone', { role: roleB }), origin: webhook })
        await store.deleteUser({ userId: 'user_gone', deletedAt: new Date() })
        expect((await store.listUsers({ role: roleB })).users.map((u) => u.id)).toEqual([
          'user_keep',
        ])
        expect((await store.countUsersByRole())[roleB]).toBe(1)
      })

      it('refuses a page size outside 1..1000', async () => {
        await expect(store.listUsers({ limit: 0 })).rejects.toThrow(/limit/)
        await expect(store.listUsers({ limit: 1001 })).rejects.toThrow(/limit/)
      })
    })

    describe('deletion policies (onDelete soft and anonymize, for stores that have them)', () => {
      /** A harness with the policy, torn down after the test; skips the test when there is none. */
      async function withPolicy(
        ctx: { skip(note?: string): never; onTestFinished(fn: () => unknown): void },
        policy: KeepingDeletePolicy,
      ): Promise<ConformanceHarness<R> & { userRow(id: string): Promise<RawUserRow | null> }> {
        if (!options.setupWithDeletePolicy)
          return ctx.skip('the harness has no setupWithDeletePolicy')
        const made = await options.setupWithDeletePolicy(policy)
        if (typeof made === 'string') return ctx.skip(made)
        ctx.onTestFinished(() => made.teardown?.())
        const userRow = made.inspect.userRow
        if (!userRow) throw new Error('setupWithDeletePolicy: the harness needs inspect.userRow')
        return Object.assign(made, { userRow: userRow.bind(made.inspect) })
      }

      /** What the policy leaves in the kept row of a deleted user who had `before`'s fields. */
      function expectKept(
        policy: KeepingDeletePolicy,
        row: RawUserRow | null,
        before: SyncedUser<R>,
        deletedAt?: Date,
      ) {
        expect(row, 'the row is kept').not.toBeNull()
        if (policy === 'soft') {
          expect(row!.deletedAt, 'deletedAt is set').toBeInstanceOf(Date)
          if (deletedAt) expect(row!.deletedAt!.getTime()).toBe(deletedAt.getTime())
          expect(row!.email, 'the personal fields are kept').toBe(before.email)
        } else {
          for (const field of PERSONAL) expect(row![field], `${field} is nulled`).toBeNull()
        }
      }

      for (const policy of options.deletePolicies ?? (['soft', 'anonymize'] as const)) {
        it(`${policy}: keeps the row as the policy says, hides it from every read, and refuses any later upsert`, async (ctx) => {
          const p = await withPolicy(ctx, policy)
          const [id, kept] = [randomId('user'), randomId('user')]
          const before = user(id, {
            version: 1,
            role: roleB,
            username: 'ada',
            phone: '+15555550100',
          })
          await p.store.upsertUser({ user: before, origin: webhook, event: eventRef() })
          await p.store.upsertUser({ user: user(kept, { role: roleB }), origin: webhook })
          const live = await p.userRow(id)
          expect(live?.deletedAt ?? null).toBeNull()
          expect(live?.email).toBe(before.email)
          // Whole seconds: some columns (SQLite's integer timestamps) keep no milliseconds.
          const deletedAt = new Date(T0 + 5000)
          const removed = await p.store.deleteUser({
            userId: id,
            deletedAt,
            event: eventRef('user.deleted'),
          })
          expect(removed.outcome).toBe('applied')
          expect((await p.inspect.syncState(id))?.deletedAt).toBeInstanceOf(Date)
          expect(await p.inspect.userRowExists(id)).toBe(true)
          const keptRow = await p.userRow(id)
          expectKept(policy, keptRow, before, deletedAt)
          if (policy === 'soft') expect(keptRow?.phone).toBe(before.phone)

          expect(await p.store.getUser(id)).toBeNull()
          expect((await p.store.listUsers()).users.map((u) => u.id)).toEqual([kept])
          expect((await p.store.listUsers({ role: roleB })).users.map((u) => u.id)).toEqual([kept])
          expect((await p.store.countUsersByRole())[roleB]).toBe(1)
          if (p.store.getUsers)
            expect((await p.store.getUsers([id, kept])).map((u) => u.id)).toEqual([kept])

          const late = await p.store.upsertUser({
            user: user(id, { version: 1_000_000, email: 'back@example.com' }),
            origin: webhook,
            event: eventRef(),
          })
          expect(late.outcome).toBe('stale')
          const bulk = await p.store.upsertUsers({
            users: [user(id, { version: 2_000_000, email: 'back@example.com' })],
            origin: { source: 'backfill', actor: null },
          })
          expect(bulk).toEqual({ applied: [], stale: [id], failed: [] })
          expect(
            (await p.store.deleteUser({ userId: id, deletedAt: new Date(T0 + 9000) })).outcome,
          ).toBe('stale')
          expectKept(policy, await p.userRow(id), before, deletedAt)
          expect(await p.store.getUser(id)).toBeNull()
        })

        it(`${policy}: records the tombstone of a user never seen and keeps their late creation out`, async (ctx) => {
          const p = await withPolicy(ctx, policy)
          const id = randomId('user')
          await p.store.deleteUser({
            userId: id,
            deletedAt: new Date(T0),
            event: eventRef('user.deleted'),
          })
          const late = await p.store.upsertUser({
            user: user(id, { version: 5 }),
            origin: webhook,
            event: eventRef('user.created'),
          })
          expect(late.outcome).toBe('stale')
          expect(await p.userRow(id)).toBeNull()
          expect(await p.store.getUser(id)).toBeNull()
        })

        it(`${policy}: marks the row an upsert held in its transaction wrote while the delete waited`, async (ctx) => {
          const p = await withPolicy(ctx, policy)
          const id = randomId('user')
          await p.store.upsertUser({ user: user(id, { version: 1 }), origin: webhook })
          const held = await p.delayNextWrite(id, { delayMs: 300 })
          const newer = user(id, { version: 2, firstName: 'v2' })
          const upsert = p.store.upsertUser({ user: newer, origin: webhook, event: eventRef() })
          await held.entered
          const removed = await p.store.deleteUser({
            userId: id,
            deletedAt: new Date(T0 + 5000),
            event: eventRef('user.deleted'),
          })
          const upserted = await upsert
          expect(removed.outcome).toBe('applied')
          expect(['applied', 'stale']).toContain(upserted.outcome)
          expect(await p.store.getUser(id)).toBeNull()
          expectKept(policy, await p.userRow(id), newer)
        })

        it(`${policy}: marks the row a user's first upsert, held in its transaction, wrote while the delete waited`, async (ctx) => {
          const p = await withPolicy(ctx, policy)
          const id = randomId('user')
          const held = await p.delayNextWrite(id, { delayMs: 300 })
          const first = user(id, { version: 1 })
          const upsert = p.store.upsertUser({ user: first, origin: webhook, event: eventRef() })
          await held.entered
          const removed = await p.store.deleteUser({
            userId: id,
            deletedAt: new Date(T0 + 5000),
            event: eventRef('user.deleted'),
          })
          const upserted = await upsert
          expect(removed.outcome).toBe('applied')
          expect(await p.store.getUser(id)).toBeNull()
          const row = await p.userRow(id)
          // Where the hold comes after the user's lock, the upsert commits first and the delete
          // must mark the row it wrote; where it comes before, the upsert is stale and writes none.
          if (upserted.outcome === 'applied') expectKept(policy, row, first)
          else expect(row).toBeNull()
        })

        it(`${policy}: leaves no unmarked row across 20 unforced races of a delete with a user's first upsert`, async (ctx) => {
          const p = await withPolicy(ctx, policy)
          for (let round = 0; round < 20; round++) {
            const id = randomId('user')
            const first = user(id, { version: 1 })
            const writes = [
              () => p.store.upsertUser({ user: first, origin: webhook, event: eventRef() }),
              () =>
                p.store.deleteUser({
                  userId: id,
                  deletedAt: new Date(T0 + 5000),
                  event: eventRef('user.deleted'),
                }),
            ]
            await Promise.all(round % 2 ? writes.map((w) => w()) : writes.reverse().map((w) => w()))
            expect(await p.store.getUser(id)).toBeNull()
            const row = await p.userRow(id)
            // The upsert lost the race (no row), or wrote it and the delete marked it after.
            if (row) expectKept(policy, row, first)
          }
        })
      }
    })
  })
}
