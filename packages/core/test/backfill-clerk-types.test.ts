import { createClerkClient, type User, type UserJSON } from '@clerk/backend'
import {
  type ClerkUsersApi,
  createClerkSync,
  MemoryStore,
  withClerkRetries,
} from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'

// This file is checked by `pnpm --filter @clerk-sync/core typecheck` too: each line below that
// hands @clerk/backend's own types to clerk-sync would fail to compile if a cast were needed.
describe("@clerk/backend's types go in without casts", () => {
  let emulator: ClerkEmulator
  beforeAll(async () => {
    emulator = await startClerkEmulator()
  })
  afterAll(() => emulator.close())

  it('takes a real client as ClerkUsersApi and a User’s raw JSON in toSyncedUser', async () => {
    const client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
    const api: ClerkUsersApi = client
    const sync = createClerkSync({
      signingSecret: generateSigningSecret(),
      store: new MemoryStore(),
    })

    const created: User = await withClerkRetries(() =>
      client.users.createUser({ emailAddress: ['types@example.com'], firstName: 'Ty' }),
    )
    const raw: User['raw'] = created.raw
    expect(raw).not.toBeNull()
    const fromRaw = await sync.toSyncedUser(raw!)
    const json: UserJSON = (await api.users.getUser(created.id)).raw as UserJSON
    const fromJson = await sync.toSyncedUser(json)

    expectTypeOf<UserJSON>().toExtend<Parameters<typeof sync.toSyncedUser>[0]>()
    expectTypeOf<NonNullable<User['raw']>>().toExtend<Parameters<typeof sync.toSyncedUser>[0]>()
    expect(fromRaw).toMatchObject({ id: created.id, email: 'types@example.com', firstName: 'Ty' })
    expect(fromJson).toEqual(fromRaw)
  })
})
