import type { UserStore } from '@clerk-sync/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clerkTruth,
  type OpenStore,
  startApp,
  storedUsers,
  storeTargets,
  variedUsers,
} from './backfill-targets.js'

const USERS = 5000

for (const target of await storeTargets()) {
  const suite = target.skip ? describe.skip : describe
  suite(`backfill into ${target.name}`, () => {
    let opened: OpenStore
    beforeAll(async () => {
      opened = await target.open()
    }, 120_000)
    afterAll(() => opened?.close())

    it(`${USERS} users end equal to Clerk's, field by field`, async () => {
      const store = await opened.reset()
      const app = await startApp(store)
      try {
        app.emulator.seedUsers(variedUsers(USERS))
        // Clerk's rate limit answers the first requests with 429 and Retry-After.
        app.emulator.throttleNext(3, 0)
        const result = await app.sync.backfill({ clerk: app.clerk })
        expect(app.emulator.requests().filter((r) => r.status === 429)).toHaveLength(3)
        expect(result).toMatchObject({ scanned: USERS, applied: USERS, stale: 0, failed: 0 })
        expect(await storedUsers(store)).toEqual(await clerkTruth(app.emulator, app.sync))
        // Run again: every user is already there at the same version, nothing changes.
        const again = await app.sync.backfill({ clerk: app.clerk })
        expect(again).toMatchObject({ scanned: USERS, failed: 0 })
        expect(await storedUsers(store)).toEqual(await clerkTruth(app.emulator, app.sync))
      } finally {
        await app.close()
      }
    }, 120_000)

    it('an aborted run resumes from its saved checkpoint in a new process, re-reading at most one page', async () => {
      const store = await opened.reset()
      const app = await startApp(store)
      try {
        app.emulator.seedUsers(variedUsers(1000, Date.UTC(2024, 2, 1)))
        const listCalls = () =>
          app.emulator
            .requests()
            // Pages read, not the resume check's lookup of users by id.
            .filter(
              (r) => /^\/v1\/users\?/.test(r.url) && !/[?&]user_id/.test(r.url) && r.status === 200,
            ).length
        const controller = new AbortController()
        let saved = ''
        const first = await app.sync.backfill({
          clerk: app.clerk,
          pageSize: 100,
          signal: controller.signal,
          onProgress: (p) => {
            saved = JSON.stringify(p.checkpoint) // what the CLI writes to its file
            if (p.pages === 4) controller.abort()
          },
        })
        expect(first).toMatchObject({ aborted: true, scanned: 400 })

        // A new process: a new sync over the same database, the checkpoint read back from text.
        const resumed = await startApp(store)
        try {
          const second = await resumed.sync.backfill({
            clerk: app.clerk,
            pageSize: 100,
            resumeFrom: JSON.parse(saved),
          })
          expect(second).toMatchObject({ aborted: false, scanned: 600, failed: 0 })
        } finally {
          await resumed.close()
        }
        expect(await storedUsers(store)).toEqual(await clerkTruth(app.emulator, app.sync))
        const interrupted = listCalls()

        const fresh = await opened.reset()
        const again = await startApp(fresh)
        try {
          await again.sync.backfill({ clerk: app.clerk, pageSize: 100 })
        } finally {
          await again.close()
        }
        const uninterrupted = listCalls() - interrupted
        expect(interrupted - uninterrupted).toBeLessThanOrEqual(1)
        expect(interrupted).toBeGreaterThanOrEqual(uninterrupted)
      } finally {
        await app.close()
      }
    }, 120_000)

    it('racing live webhook traffic (updates, deletions, creations) ends in the newest state', async () => {
      const store = await opened.reset()
      const app = await startApp(store, { webhooks: true })
      try {
        const seeded = app.emulator.seedUsers(variedUsers(1500, Date.UTC(2024, 5, 1)))
        const deleted: string[] = []
        const changes: Array<Promise<unknown>> = []
        let pages = 0
        const result = await app.sync.backfill({
          clerk: app.clerk,
          pageSize: 100,
          onProgress: () => {
            pages++
            if (pages > 10) return
            // Users the scan passed, is reading now, and has not reached: all changed in Clerk,
            // each change a webhook racing the backfill's own writes.
            for (const offset of [-150, 0, 60, 400, 900]) {
              const user = seeded[pages * 100 + offset]
              if (!user || deleted.includes(user.id)) continue
              if (offset === 60 || offset === -150) {
                deleted.push(user.id)
                changes.push(app.clerk.users.deleteUser(user.id))
              } else {
                changes.push(
                  app.clerk.users.updateUser(user.id, { firstName: `Renamed on page ${pages}` }),
                )
              }
            }
            changes.push(app.clerk.users.createUser({ emailAddress: [`new${pages}@example.com`] }))
          },
        })
        await Promise.all(changes)
        await app.emulator.flush({ timeoutMs: 60_000 })
        expect(result.failed).toBe(0)
        expect(deleted.length).toBeGreaterThan(0)
        expect(await storedUsers(store)).toEqual(await clerkTruth(app.emulator, app.sync))
        for (const id of deleted) expect(await store.getUser(id)).toBeNull()
      } finally {
        await app.close()
      }
    }, 120_000)

    it('users deleted and created in Clerk mid-scan, webhooks missed: none skipped, none revived', async () => {
      const store: UserStore = await opened.reset()
      const app = await startApp(store)
      try {
        const seeded = app.emulator.seedUsers(variedUsers(1200, Date.UTC(2024, 8, 1)))
        const deletedAhead: string[] = []
        const created: string[] = []
        let pages = 0
        await app.sync.backfill({
          clerk: app.clerk,
          pageSize: 100,
          onProgress: () => {
            pages++
            if (pages > 6) return
            // Deleting users the scan passed shifts any offset; users ahead vanish; new ones land.
            app.emulator.deleteUsers(
              seeded.slice(pages * 100 - 50, pages * 100 - 20).map((u) => u.id),
            )
            const ahead = seeded.slice(pages * 100 + 300, pages * 100 + 305).map((u) => u.id)
            app.emulator.deleteUsers(ahead)
            deletedAhead.push(...ahead)
            // Clerk stamps a new user with the current time, so it lands after the cursor.
            created.push(...app.emulator.seedUsers([{}, {}]).map((u) => u.id))
          },
        })
        const stored = new Set((await storedUsers(store)).map((u) => u.id))
        const skipped = app.emulator.users().filter((u) => !stored.has(u.id))
        expect(skipped.map((u) => u.id)).toEqual([])
        for (const id of deletedAhead) expect(stored.has(id)).toBe(false)
        expect(created).toHaveLength(12)
        for (const id of created) expect(stored.has(id)).toBe(true)
      } finally {
        await app.close()
      }
    }, 120_000)
  })
}
