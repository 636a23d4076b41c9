/**
 * A measurement, not a test: seeds N users (default 100,000) into one emulator, then pages through
 * all of them with the real `@clerk/backend` client at limit 500 on `+created_at` (the keyset a
 * backfill uses: `created_at_after`, offset inside a run of equal `created_at`), and prints the
 * seconds and pages/s. `getUserList` also asks for the count, so each page is two requests.
 * Run from the repository root:
 *
 *   npx tsx --conditions=@clerk-sync/source packages/testing/test/emulator-support/measure-list-pages.ts [N]
 */
import { performance } from 'node:perf_hooks'
import { createClerkClient } from '@clerk/backend'
import { type SeedUserOptions, startClerkEmulator } from '@clerk-sync/testing/emulator'

const total = Number(process.argv[2] ?? 100_000)
const PAGE = 500
const epoch = Date.UTC(2025, 0, 1)

// Wall time counts whatever else the machine runs; CPU time (user + system) of this one process,
// which serves and reads the pages alike, does not.
function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return Number(((usage.user + usage.system) / 1e6).toFixed(2))
}

const emulator = await startClerkEmulator()
const client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })

const users: SeedUserOptions[] = []
for (let i = 0; i < total; i++) {
  users.push({
    emails: [`user${i}@example.com`],
    username: i % 3 === 0 ? `user${i}` : null,
    externalId: `legacy-${i}`,
    // The first fifth in runs of 1,200 sharing one created_at, as bulk imports leave them.
    createdAt: i < total / 5 ? epoch + Math.floor(i / 1200) : epoch + i * 1000,
  })
}
let started = performance.now()
let cpu = process.cpuUsage()
emulator.seedUsers(users)
const seedSeconds = (performance.now() - started) / 1000
const seedCpuSeconds = cpuSeconds(process.cpuUsage(cpu))

started = performance.now()
cpu = process.cpuUsage()
const seen = new Set<string>()
let pages = 0
let after: number | null = null
let offset = 0
for (;;) {
  const page = await client.users.getUserList({
    orderBy: '+created_at',
    limit: PAGE,
    offset,
    ...(after === null ? {} : { createdAtAfter: after - 1 }),
  })
  pages++
  for (const user of page.data) seen.add(user.id)
  if (page.data.length < PAGE) break
  const last = page.data.at(-1)!.createdAt
  // Stay inside a run of equal created_at with the offset; step past it with the keyset.
  const run = page.data.filter((user) => user.createdAt === last).length
  offset = last === after ? offset + run : run
  after = last
}
const pageSeconds = (performance.now() - started) / 1000
const pageCpuSeconds = cpuSeconds(process.cpuUsage(cpu))
await emulator.close()

if (seen.size !== total) throw new Error(`paged ${seen.size} users of ${total}`)
console.log(
  JSON.stringify({
    users: total,
    seedSeconds: Number(seedSeconds.toFixed(2)),
    seedCpuSeconds,
    pages,
    pageSeconds: Number(pageSeconds.toFixed(2)),
    pageCpuSeconds,
    pagesPerSecond: Number((pages / pageSeconds).toFixed(1)),
    usersPerSecond: Math.round(total / pageSeconds),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
)
