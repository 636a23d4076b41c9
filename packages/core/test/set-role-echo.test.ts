import { createClerkClient } from '@clerk/backend'
import { createClerkSync, createRoleManager, MemoryStore, silentLogger } from '@clerk-sync/core'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, describe, expect, it } from 'vitest'
import { deliver } from './helpers.js'

/**
 * Clerk's `user.updated` echo of a set-role can reach the webhook before the role manager's own
 * store write. Within one process the webhook waits for that write, so the audit entry names the
 * admin; the store's roleBefore rule keeps it to one entry in any order.
 */
describe('a set-role and its webhook echo', () => {
  let clerk: ClerkEmulator | undefined
  afterEach(async () => {
    await clerk?.close()
    clerk = undefined
  })

  /** The emulator's echo of the latest change to `userId`, delivered to `sync` signed. */
  function echoOf(emulator: ClerkEmulator, userId: string) {
    const echo = emulator
      .events()
      .filter((e) => e.type === 'user.updated' && (e.payload.data as { id: string }).id === userId)
      .at(-1)
    if (!echo) throw new Error(`the emulator sent no user.updated for ${userId}`)
    return echo
  }

  async function setup(echoTo: 'this process' | 'another process') {
    clerk = await startClerkEmulator()
    const emulator = clerk
    const client = createClerkClient({
      apiUrl: emulator.apiUrl,
      secretKey: emulator.secretKey,
      telemetry: { disabled: true },
    })
    const store = new MemoryStore()
    const sync = createClerkSync({
      signingSecret: emulator.signingSecret,
      store,
      logger: silentLogger,
    })
    // Another process: its own ClerkSync on the same store, with no set-role in flight.
    const other = createClerkSync({
      signingSecret: emulator.signingSecret,
      store,
      logger: silentLogger,
    })
    const echoes: Array<Promise<unknown>> = []
    // The real client, with the echo delivered as soon as Clerk answered the update: the webhook
    // gets 200 ms to finish before the role manager sees Clerk's answer and writes.
    const updateUserMetadata = client.users.updateUserMetadata.bind(client.users)
    client.users.updateUserMetadata = async (userId, params) => {
      const updated = await updateUserMetadata(userId, params)
      if (params.publicMetadata) {
        const echo = echoOf(emulator, userId)
        const delivered = deliver(echoTo === 'this process' ? sync : other, echo.payload, {
          secret: emulator.signingSecret,
          id: echo.messageId,
        })
        echoes.push(delivered)
        await Promise.race([delivered, new Promise((resolve) => setTimeout(resolve, 200))])
      }
      return updated
    }
    const roles = createRoleManager({ clerk: client, sync })
    const create = async (role: string) =>
      (
        await client.users.createUser({
          emailAddress: [`u${Math.random().toString(36).slice(2)}@example.com`],
          publicMetadata: { role },
        })
      ).id
    return { emulator, store, sync, roles, create, echoes }
  }

  it('writes the admin’s entry first when the echo arrives during the change, and the echo adds none', async () => {
    const { store, roles, create, echoes } = await setup('this process')
    const admin = await create('admin')
    const target = await create('client')
    await roles.syncUserRole(target)
    await roles.setUserRole(target, 'trainer', { actor: admin })
    const [echoResult] = await Promise.all(echoes)
    expect(echoResult).toMatchObject({ status: 200, outcome: 'applied' })
    const { entries } = await store.listAuditEntries({ userId: target })
    expect(entries).toEqual([
      expect.objectContaining({
        actor: admin,
        fromRole: 'client',
        toRole: 'trainer',
        source: 'api',
      }),
    ])
  })

  it('keeps one entry when another process wrote the echo first: the store ignores roleBefore', async () => {
    const { store, roles, create, echoes } = await setup('another process')
    const admin = await create('admin')
    const target = await create('client')
    await roles.syncUserRole(target)
    await roles.setUserRole(target, 'trainer', { actor: admin })
    const [echoResult] = await Promise.all(echoes)
    expect(echoResult).toMatchObject({ status: 200, outcome: 'applied', previousRole: 'client' })
    expect((await store.getUser(target))?.role).toBe('trainer')
    // The change is recorded once, by the write that brought it.
    expect((await store.listAuditEntries({ userId: target })).entries).toEqual([
      expect.objectContaining({
        actor: null,
        fromRole: 'client',
        toRole: 'trainer',
        source: 'webhook',
      }),
    ])
  })
})
