import { createClerkClient } from '@clerk/backend'
import { type ClerkAPIResponseError, isClerkAPIResponseError } from '@clerk/backend/errors'
import {
  type ClerkEmulator,
  type SeedUserOptions,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, it } from 'vitest'

const EPOCH = Date.UTC(2025, 0, 1)

let emulator: ClerkEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function start() {
  emulator = await startClerkEmulator()
  const client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  return { emulator, client }
}

/**
 * `count` users in a shuffled seeding order: runs of 1,200 (more than a page) and of 3 sharing
 * one `created_at`, and singles, so ties must fall back to the order users were seeded in.
 */
function tiedUsers(count: number): SeedUserOptions[] {
  const users: SeedUserOptions[] = []
  for (let i = 0; i < count; i++) {
    const createdAt =
      i < 1200 ? EPOCH + 5000 : i < 1500 ? EPOCH + 1000 * Math.floor(i / 3) : EPOCH + 7 * i
    users.push({ emails: [`tie${i}@example.com`], externalId: `legacy-${i}`, createdAt })
  }
  // Seed out of created_at order, so the index must sort (ties keep this seeding order).
  return users.filter((_, i) => i % 2 === 1).concat(users.filter((_, i) => i % 2 === 0))
}

/** The order Clerk lists `+created_at` in: by created_at, then by seeding order. */
function ascending(seeded: Array<{ id: string; created_at: number }>): string[] {
  return seeded
    .map((user, index) => ({ user, index }))
    .sort((a, b) => a.user.created_at - b.user.created_at || a.index - b.index)
    .map(({ user }) => user.id)
}

async function apiError(call: Promise<unknown>): Promise<ClerkAPIResponseError> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (e: unknown) => e as ClerkAPIResponseError,
  )
  expect(isClerkAPIResponseError(error)).toBe(true)
  return error
}

describe('the emulator’s user index: created_at order, unique identifiers, live changes', () => {
  it('lists users sharing one created_at in seeding order, ascending and descending, at every page', async () => {
    const { emulator, client } = await start()
    const seeded = emulator.seedUsers(tiedUsers(2000))
    const expected = ascending(seeded)

    const read = async (orderBy: '+created_at' | '-created_at') => {
      const ids: string[] = []
      for (let offset = 0; ; offset += 500) {
        const page = await client.users.getUserList({ orderBy, limit: 500, offset })
        ids.push(...page.data.map((u) => u.id))
        if (page.data.length < 500) return ids
      }
    }
    expect(await read('+created_at')).toEqual(expected)
    expect(await read('-created_at')).toEqual([...expected].reverse())

    // starting_after walks the same order.
    const cursorIds: string[] = []
    let after: string | undefined
    for (;;) {
      const query = new URLSearchParams({ order_by: '+created_at', limit: '500' })
      if (after) query.set('starting_after', after)
      const response = await fetch(`${emulator.apiUrl}/v1/users?${query}`, {
        headers: { authorization: `Bearer ${emulator.secretKey}` },
      })
      const page = (await response.json()) as Array<{ id: string }>
      cursorIds.push(...page.map((u) => u.id))
      if (page.length < 500) break
      after = page.at(-1)!.id
    }
    expect(cursorIds).toEqual(expected)
  })

  it('pages on a created_at keyset with offset inside a run and agrees with the filters', async () => {
    const { emulator, client } = await start()
    const seeded = emulator.seedUsers(tiedUsers(1700))
    const expected = ascending(seeded)
    const byId = new Map(seeded.map((u) => [u.id, u]))

    // A backfill's keyset: created_at_after = last created_at - 1, offset = seen in that run.
    const ids: string[] = []
    let last: number | undefined
    let offset = 0
    for (;;) {
      const page = await client.users.getUserList({
        orderBy: '+created_at',
        limit: 500,
        offset,
        ...(last === undefined ? {} : { createdAtAfter: last - 1 }),
      })
      ids.push(...page.data.map((u) => u.id))
      if (page.data.length < 500) break
      const end = page.data.at(-1)!.createdAt
      const run = page.data.filter((u) => u.createdAt === end).length
      offset = end === last ? offset + run : run
      last = end
    }
    expect(ids).toEqual(expected)

    const after = EPOCH + 5000
    const before = EPOCH + 7 * 1600
    const bounded = await client.users.getUserList({
      orderBy: '-created_at',
      createdAtAfter: after,
      createdAtBefore: before,
      limit: 500,
      offset: 3,
    })
    const inRange = expected.filter((id) => {
      const createdAt = byId.get(id)!.created_at
      return createdAt > after && createdAt < before
    })
    expect(inRange.length).toBeGreaterThan(10)
    expect(bounded.data.map((u) => u.id)).toEqual([...inRange].reverse().slice(3, 503))
    expect(bounded.totalCount).toBe(inRange.length)

    // user_id and external_id: include lists look users up; `-` excludes.
    const picked = [expected[1500]!, expected[3]!, expected[700]!]
    const byUserId = await client.users.getUserList({ userId: picked, orderBy: '+created_at' })
    expect(byUserId.data.map((u) => u.id)).toEqual(expected.filter((id) => picked.includes(id)))
    const externals = picked.map((id) => byId.get(id)!.external_id!)
    const byExternal = await client.users.getUserList({ externalId: externals, limit: 2 })
    expect(byExternal.totalCount).toBe(3)
    expect(byExternal.data.map((u) => u.externalId)).toHaveLength(2)
    const excluded = await client.users.getUserList({
      userId: [`-${expected[0]}`, `-${expected[1]}`],
      orderBy: '+created_at',
      limit: 3,
    })
    expect(excluded.data.map((u) => u.id)).toEqual(expected.slice(2, 5))
    expect(excluded.totalCount).toBe(expected.length - 2)
  })

  it('keeps a scan whole while users are deleted and created through the API between pages', async () => {
    const { emulator, client } = await start()
    const seeded = emulator.seedUsers(
      Array.from({ length: 1500 }, (_, i) => ({
        emails: [`scan${i}@example.com`],
        createdAt: EPOCH + Math.floor(i / 2),
      })),
    )
    const expected = ascending(seeded)
    const deletedBehind: string[] = []
    const deletedAhead: string[] = []
    const created: string[] = []
    const seen: string[] = []
    let last: number | undefined
    let offset = 0
    for (let page = 0; ; page++) {
      const users = await client.users.getUserList({
        orderBy: '+created_at',
        limit: 200,
        offset,
        ...(last === undefined ? {} : { createdAtAfter: last - 1 }),
      })
      seen.push(...users.data.map((u) => u.id))
      if (users.data.length < 200) break
      const end = users.data.at(-1)!.createdAt
      const run = users.data.filter((u) => u.createdAt === end).length
      offset = end === last ? offset + run : run
      last = end
      // Between pages: delete one user already listed and one not reached yet; create one.
      const behind = expected[page * 200]!
      const ahead = expected[expected.length - 1 - page]!
      await client.users.deleteUser(behind)
      await client.users.deleteUser(ahead)
      deletedBehind.push(behind)
      deletedAhead.push(ahead)
      created.push((await client.users.createUser({ emailAddress: [`new${page}@example.com`] })).id)
    }
    expect(deletedAhead.length).toBeGreaterThan(3)
    // Every user that lived through the scan was listed once, in order; none deleted ahead was.
    const survivors = expected.filter((id) => !deletedAhead.includes(id))
    expect(seen.slice(0, survivors.length)).toEqual(survivors)
    expect(seen.slice(survivors.length)).toEqual(created)
    expect(deletedAhead.filter((id) => seen.includes(id))).toEqual([])
    expect(await client.users.getCount()).toBe(
      expected.length - deletedBehind.length - deletedAhead.length + created.length,
    )
    // A deleted user's email is free again: the index forgot it.
    const freed = seeded.find((u) => u.id === deletedAhead[0])!.email_addresses[0]!.email_address
    const reused = await client.users.createUser({ emailAddress: [freed.toUpperCase()] })
    expect(reused.emailAddresses[0]!.emailAddress).toBe(freed.toUpperCase())
  })

  it('enforces unique identifiers by index: emails and usernames in any case, external ids exactly', async () => {
    const { emulator, client } = await start()
    const [ada] = emulator.seedUsers([
      { emails: ['Ada@Example.com'], username: 'Countess', externalId: 'legacy-1' },
    ])
    const taken = async (body: Parameters<typeof client.users.createUser>[0]) => {
      const error = await apiError(client.users.createUser(body))
      expect(error.status).toBe(422)
      expect(error.errors[0]!.code).toBe('form_identifier_exists')
      return error.errors[0]!.meta?.paramName
    }
    expect(await taken({ emailAddress: ['ada@example.COM'] })).toBe('email_address')
    expect(await taken({ emailAddress: ['x@example.com'], username: 'COUNTESS' })).toBe('username')
    expect(await taken({ emailAddress: ['y@example.com'], externalId: 'legacy-1' })).toBe(
      'external_id',
    )
    const other = await client.users.createUser({
      emailAddress: ['z@example.com'],
      externalId: 'LEGACY-1',
    })
    expect(other.externalId).toBe('LEGACY-1')
    const error = await apiError(client.users.updateUser(other.id, { externalId: 'legacy-1' }))
    expect(error.errors[0]!.meta?.paramName).toBe('external_id')
    // Changing an identifier frees the old one.
    await client.users.updateUser(ada!.id, { username: 'lovelace', externalId: 'legacy-9' })
    const again = await client.users.createUser({
      emailAddress: ['w@example.com'],
      username: 'countess',
      externalId: 'legacy-1',
    })
    expect((await client.users.getUserList({ externalId: ['legacy-1'] })).data[0]!.id).toBe(
      again.id,
    )

    // seedUsers is all or none: a clash inside the batch or with a stored user adds nobody.
    const before = emulator.users().length
    expect(() =>
      emulator.seedUsers([{ emails: ['fresh@example.com'] }, { emails: ['FRESH@example.com'] }]),
    ).toThrow(/taken/)
    expect(() =>
      emulator.seedUsers([{ emails: ['fresh2@example.com'] }, { emails: ['w@example.com'] }]),
    ).toThrow(/taken/)
    expect(emulator.users()).toHaveLength(before)
    expect(await client.users.getCount({ emailAddress: ['fresh@example.com'] })).toBe(0)
  })

  it('moves a user whose created_at is patched, and deleteUsers removes users without a webhook', async () => {
    const { emulator, client } = await start()
    const seeded = emulator.seedUsers(
      Array.from({ length: 5 }, (_, i) => ({
        emails: [`m${i}@example.com`],
        createdAt: EPOCH + i * 1000,
      })),
    )
    await client.users.updateUser(seeded[4]!.id, { createdAt: new Date(EPOCH - 1) })
    const listed = await client.users.getUserList({ orderBy: '+created_at' })
    expect(listed.data.map((u) => u.id)).toEqual([4, 0, 1, 2, 3].map((i) => seeded[i]!.id))
    const later = await client.users.getUserList({ createdAtAfter: EPOCH + 500 })
    expect(later.data.map((u) => u.id)).toEqual([3, 2, 1].map((i) => seeded[i]!.id))

    expect(emulator.deleteUsers([seeded[1]!.id, seeded[2]!.id, 'user_missing'])).toBe(2)
    expect(emulator.events().filter((e) => e.type === 'user.deleted')).toEqual([])
    const left = await client.users.getUserList({ orderBy: '+created_at' })
    expect(left.data.map((u) => u.id)).toEqual([4, 0, 3].map((i) => seeded[i]!.id))
    expect(emulator.user(seeded[1]!.id)).toBeUndefined()
    expect((await apiError(client.users.getUser(seeded[2]!.id))).status).toBe(404)
  })
})
