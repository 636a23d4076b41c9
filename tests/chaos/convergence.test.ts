/**
 * Issue 11, convergence: Clerk's users and the app's database end equal, whatever the delivery
 * path does. Three real server processes (Express 5 + @clerk-sync/express, built from dist) share
 * one database; the emulator creates users and mutates them, delivering with 20% duplicates, a
 * 50 ms reorder window, jitter and 32 attempts in flight, through a round-robin proxy that cuts
 * some deliveries mid-body or mid-response; the database drops off for a few seconds; one server
 * is SIGKILLed mid-burst and restarted. Every combination of store and database.
 *
 * CI size (inside `pnpm test`): 300 users, 1,500 mutations each. `pnpm test:chaos` runs the full
 * size (CLERK_SYNC_CHAOS_SIZE=full): 2,000 users, 10,000 mutations. CLERK_SYNC_CHAOS_SEED replays
 * a run's delivery chaos.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildChaosServer,
  runScenario,
  type ScenarioReport,
  type ServerBuild,
  type StoreKind,
  summaryLine,
} from '../../test-support/chaos/index.js'
import { mysqlUnavailable, postgresUnavailable } from '../../test-support/databases.js'

const full = process.env.CLERK_SYNC_CHAOS_SIZE === 'full'
const size = full
  ? { users: 2000, mutations: 10_000, minOutOfOrderPairs: 200, timeoutMs: 40 * 60_000 }
  : { users: 300, mutations: 1500, minOutOfOrderPairs: 1, timeoutMs: 8 * 60_000 }
const baseSeed = Number(process.env.CLERK_SYNC_CHAOS_SEED ?? 20_110)
const outageMs = 3000

const skipPostgres = await postgresUnavailable()
const skipMysql = await mysqlUnavailable()

const combinations: Array<{
  store: StoreKind
  dialect: 'postgres' | 'mariadb'
  skip: unknown
  groupCommit?: boolean
}> = [
  { store: 'drizzle', dialect: 'postgres', skip: skipPostgres },
  // Group commit on: concurrent upserts share one statement, through the same chaos.
  { store: 'drizzle', dialect: 'postgres', skip: skipPostgres, groupCommit: true },
  { store: 'prisma', dialect: 'postgres', skip: skipPostgres },
  { store: 'drizzle', dialect: 'mariadb', skip: skipMysql },
  { store: 'prisma', dialect: 'mariadb', skip: skipMysql },
]

/** Everything a report says went wrong, for one readable failure. */
function problems(report: ScenarioReport) {
  return {
    unexpectedExits: report.unexpectedExits,
    undelivered: report.undelivered.slice(0, 20),
    lost: report.lost.slice(0, 20),
    resurrected: report.resurrected.slice(0, 20),
    mismatched: report.mismatched.slice(0, 20),
    violations: report.violations.slice(0, 20),
  }
}

describe.skipIf(!!skipPostgres && !!skipMysql)('convergence under chaos', () => {
  let build: ServerBuild | undefined

  beforeAll(async () => {
    build = await buildChaosServer()
  })
  afterAll(() => build?.remove())

  combinations.forEach(({ store, dialect, skip, groupCommit }, index) => {
    it.skipIf(!!skip)(
      `${store} on ${dialect}${groupCommit ? ' with group commit' : ''}: ${size.users} users, ${size.mutations} mutations, outage, SIGKILL, cut deliveries`,
      async () => {
        const report = await runScenario({
          store,
          dialect,
          groupCommit,
          build: build!,
          users: size.users,
          mutations: size.mutations,
          seed: baseSeed + index,
          outageMs,
          // A bound, not a speed check: the test's own timeout leaves a minute for the checks.
          flushTimeoutMs: size.timeoutMs - 60_000,
          // One combination also proves the checks can fail, on a database broken on purpose.
          selfCheck: index === 0,
          log: (line) => console.log(line),
        })
        console.log(summaryLine(report))

        // The emulator's retries outlast the outage fivefold, so an outage alone loses nothing.
        expect(report.timeScale * (27.6 * 3600_000)).toBeGreaterThanOrEqual(5 * outageMs)
        expect(problems(report)).toEqual({
          unexpectedExits: [],
          undelivered: [],
          lost: [],
          resurrected: [],
          mismatched: [],
          violations: [],
        })
        expect(report.events).toBe(size.users + size.mutations)
        // The chaos happened: each fault kind was injected and took effect.
        expect(report.outOfOrderPairs).toBeGreaterThanOrEqual(size.minOutOfOrderPairs)
        expect(report.duplicatesDelivered).toBeGreaterThan(0)
        expect(report.faults.outages).toHaveLength(1)
        expect(report.faults.outages[0]!.dropped).toBeGreaterThan(0)
        expect(report.serverErrors).toBeGreaterThan(0)
        expect(report.faults.crashes).toHaveLength(1)
        expect(report.faults.cutMidBody).toBeGreaterThan(0)
        expect(report.faults.cutMidResponse).toBeGreaterThan(0)

        if (report.selfCheck) {
          const { tampered, lost, resurrected, mismatched } = report.selfCheck
          expect(lost).toEqual([tampered.removed])
          expect(resurrected).toEqual([tampered.resurrected])
          expect(mismatched.map((m) => m.id)).toEqual([tampered.changed])
        }
      },
      size.timeoutMs,
    )
  })
})
