/**
 * The emulator of the backfill bench, in its own process so its memory and CPU are not the
 * backfill's: starts `startClerkEmulator`, seeds BENCH_USERS users (bench/backfill/seed-users.ts)
 * in chunks, prints `{ apiUrl, secretKey, users, seedSeconds }` as one JSON line on stdout and
 * serves until it is killed (or its parent goes away).
 */
import { performance } from 'node:perf_hooks'
import { startClerkEmulator } from '@clerk-sync/testing/emulator'
import { benchUsers } from './seed-users.js'

const SEED_CHUNK = 5000

const total = Number(process.env.BENCH_USERS)
if (!Number.isInteger(total) || total < 1)
  throw new Error('emulator-process: BENCH_USERS is required')
const epochMs = Number(process.env.BENCH_EPOCH_MS ?? Date.UTC(2025, 0, 1))

const emulator = await startClerkEmulator()
const started = performance.now()
for (let from = 0; from < total; from += SEED_CHUNK) {
  emulator.seedUsers(benchUsers(from, Math.min(total, from + SEED_CHUNK), total, epochMs))
  // Let the event loop breathe between chunks (nothing else runs yet, but a signal could).
  await new Promise((resolve) => setImmediate(resolve))
}
const seedSeconds = (performance.now() - started) / 1000
process.stdout.write(
  `${JSON.stringify({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey, users: total, seedSeconds })}\n`,
)
const stop = () => {
  emulator.close().finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
process.on('disconnect', stop)
