/**
 * Load through the emulator's Backend API, with Clerk's own client: users created, then mutations
 * (profile updates, role changes through public_metadata, deletes, new users). Each successful
 * call emits exactly one webhook. A mutation picks a user and often changes it two or three times
 * in a row, as a user editing a profile does: those events are a few ms apart, so the emulator's
 * reorder window can swap them.
 */
import { createClerkClient } from '@clerk/backend'

export interface LoadOptions {
  apiUrl: string
  secretKey: string
  users: number
  mutations: number
  random: () => number
  /** API calls in flight at once. Default 8. */
  concurrency?: number
  /** Roles to hand out; a share of users gets none (the default role). */
  roles?: readonly string[]
  /** Called after every successful call, with how many so far. */
  onProgress?: (done: number) => void
}

export interface LoadResult {
  created: number
  updated: number
  roleChanges: number
  deleted: number
  /** Users created during the mutation phase (also counted in `created`). */
  createdLater: number
  /** Calls made in all: users + mutations. */
  calls: number
}

const NAMES = [
  'Ada',
  'Grace',
  'Édith',
  'Zoë',
  "O'Brien",
  'Robert"); DROP TABLE users;--',
  'Nguyễn',
  '李',
]

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { random } = options
  const roles = options.roles ?? ['admin', 'trainer', 'client']
  const concurrency = options.concurrency ?? 8
  const client = createClerkClient({ apiUrl: options.apiUrl, secretKey: options.secretKey })
  const result: LoadResult = {
    created: 0,
    updated: 0,
    roleChanges: 0,
    deleted: 0,
    createdLater: 0,
    calls: 0,
  }
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const roleOrNone = () => (random() < 0.15 ? null : pick(roles))
  let serial = 0
  const done = () => {
    result.calls++
    options.onProgress?.(result.calls)
  }

  // Users not being changed right now: a worker takes one out for its burst, so no two workers
  // touch one user and every call is valid (no update of a user another worker just deleted).
  const idle: string[] = []

  async function createOne(): Promise<void> {
    const n = serial++
    const role = roleOrNone()
    const user = await client.users.createUser({
      emailAddress: [`chaos${n}@example.test`],
      firstName: pick(NAMES),
      lastName: `Tester${n}`,
      username: `chaos_user_${n}`,
      ...(role ? { publicMetadata: { role } } : {}),
    })
    result.created++
    idle.push(user.id)
    done()
  }

  // Phase 1: the users.
  {
    let left = options.users
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left > 0) {
          left--
          await createOne()
        }
      }),
    )
  }

  // Phase 2: mutations, in bursts on one user.
  let left = options.mutations
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let round = 0; round < options.mutations && left > 0; round++) {
        if (random() < 0.12 || idle.length === 0) {
          left--
          await createOne()
          result.createdLater++
          continue
        }
        const id = idle.splice(Math.floor(random() * idle.length), 1)[0]!
        const burst = Math.min(left, 1 + Math.floor(random() * 3))
        left -= burst
        // The burst's changes go out at once, as a profile edit and an admin's role change can:
        // their events are emitted within a millisecond or two, well inside the reorder window.
        // A delete ends a burst, after the others, so no call finds its user gone.
        const deleting = random() < 0.1 * burst
        const changes = deleting ? burst - 1 : burst
        await Promise.all(
          Array.from({ length: changes }, async () => {
            if (random() < 0.4) {
              const role = roleOrNone()
              // null removes the key: the user falls back to the default role.
              await client.users.updateUserMetadata(id, { publicMetadata: { role } })
              result.roleChanges++
            } else {
              await client.users.updateUser(id, {
                firstName: pick(NAMES),
                lastName: `Edited${serial++}`,
              })
              result.updated++
            }
            done()
          }),
        )
        if (deleting) {
          await client.users.deleteUser(id)
          result.deleted++
          done()
        } else {
          idle.push(id)
        }
      }
    }),
  )
  return result
}
