/**
 * The users the backfill bench seeds into the emulator, shaped like an app's real directory:
 * unique emails from names, a role in `public_metadata` (mostly `client`, some `admin` and
 * `trainer`), some usernames and phone numbers, and the first fifth imported in batches that share
 * one `created_at` (a run of equal `created_at` longer than a page, as bulk imports leave), the
 * rest signed up one by one over a year, later edited. Deterministic: user `i` is the same in
 * every run, so two emulators of different sizes hold the same first users.
 */
import type { ClerkUserFixtureOptions } from '@clerk-sync/testing'

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Ken',
  'Margaret',
  'Linus',
  'Radia',
  'Donald',
]
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Thompson',
  'Hamilton',
  'Torvalds',
  'Perlman',
  'Knuth',
]
const YEAR_MS = 365 * 24 * 3600 * 1000
/** Users per imported batch: more than a 500-user page, so paging must step inside one `created_at`. */
const IMPORT_BATCH = 1200

export function benchUser(index: number, total: number, epochMs: number): ClerkUserFixtureOptions {
  const first = FIRST[index % FIRST.length]!
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length]!
  const imported = index < Math.floor(total / 5)
  const createdAt = imported
    ? epochMs + Math.floor(index / IMPORT_BATCH)
    : epochMs + 1000 + Math.floor((index / total) * YEAR_MS)
  const role = index % 20 === 0 ? 'admin' : index % 7 === 0 ? 'trainer' : 'client'
  return {
    // Clerk's shape: `user_` and 27 characters.
    id: `user_2bench${String(index).padStart(21, '0')}`,
    emails: [`${first}.${last}.${index}@example.com`.toLowerCase()],
    phones: index % 5 === 0 ? [`+1555${String(index).padStart(7, '0')}`] : [],
    firstName: first,
    lastName: index % 11 === 0 ? null : last,
    username: index % 3 === 0 ? `${first}${index}`.toLowerCase() : null,
    role,
    publicMetadata: { plan: index % 4 === 0 ? 'pro' : 'free' },
    createdAt,
    updatedAt: createdAt + (index % 9 === 0 ? 86_400_000 : 0),
  }
}

/** Users `from`..`to` (exclusive) of a directory of `total`. */
export function benchUsers(from: number, to: number, total: number, epochMs: number) {
  const out: ClerkUserFixtureOptions[] = []
  for (let index = from; index < to; index++) out.push(benchUser(index, total, epochMs))
  return out
}
