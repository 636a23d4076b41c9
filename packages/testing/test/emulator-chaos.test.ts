import { createClerkClient } from '@clerk/backend'
import { mapClerkUser } from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import { type ClerkEmulatorOptions, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { describe, expect, it } from 'vitest'
import { type Fault, startReceiver } from './emulator-support/webhook-receiver.js'

async function setup(options: ClerkEmulatorOptions, fault?: Fault) {
  const secret = generateSigningSecret()
  const app = await startReceiver(secret, { fault })
  const clerk = await startClerkEmulator({ webhookUrl: app.url, signingSecret: secret, ...options })
  const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
  const close = () => Promise.all([clerk.close(), app.close()])
  return { app, clerk, client, close }
}

/** Whether the app holds exactly Clerk's users, each as clerk-sync maps it. */
async function expectAppEqualsClerk(
  app: Awaited<ReturnType<typeof startReceiver>>,
  clerk: Awaited<ReturnType<typeof startClerkEmulator>>,
) {
  const truth = clerk.users()
  const stored = await app.store.listUsers({ limit: 500 })
  expect(stored.users.map((u) => u.id).sort()).toEqual(truth.map((u) => u.id).sort())
  for (const user of truth) expect(await app.store.getUser(user.id)).toEqual(mapClerkUser(user))
}

describe('chaos: duplicates, reordering, jitter, concurrency', () => {
  it.each([
    [{ duplicateRate: 1.5 }, /duplicateRate/],
    [{ timeScale: 0 }, /timeScale/],
    [{ concurrency: 0 }, /concurrency/],
    [{ reorderWindow: -1 }, /reorderWindow/],
    [{ webhookUrl: 'ftp://example.com' }, /http\(s\)/],
    [{ signingSecret: 'secret' }, /whsec_/],
    [{ rateLimit: { requestsPer10s: 0 } }, /rateLimit/],
  ] as Array<[ClerkEmulatorOptions, RegExp]>)('refuses %j at start', async (options, message) => {
    await expect(startClerkEmulator(options)).rejects.toThrow(message)
  })

  it('duplicateRate 1 sends every message twice with one svix-id; the app applies it once', async () => {
    const { app, clerk, client, close } = await setup({ duplicateRate: 1, concurrency: 1 })
    const user = await client.users.createUser({ emailAddress: ['dup@example.com'] })
    await client.users.updateUser(user.id, { firstName: 'Twice' })
    await clerk.flush()
    const log = clerk.deliveries()
    expect(log).toHaveLength(4)
    for (const { messageId } of clerk.events()) {
      const copies = log.filter((d) => d.messageId === messageId)
      expect(copies.map((d) => d.duplicate).sort()).toEqual([false, true])
      const outcomes = app.arrivals.filter((a) => a.svixId === messageId).map((a) => a.outcome)
      expect(outcomes.sort()).toEqual(['applied', 'duplicate'])
    }
    await expectAppEqualsClerk(app, clerk)
    await close()
  })

  it('duplicateRate 0.5 duplicates about half the messages, and the seed replays the choice', async () => {
    const run = async (seed: number) => {
      const { clerk, client, close } = await setup({ duplicateRate: 0.5, seed })
      for (let i = 0; i < 40; i++)
        await client.users.createUser({ emailAddress: [`half${i}@example.com`] })
      await clerk.flush()
      const events = clerk.events().map((e) => e.messageId)
      const duplicated = clerk
        .deliveries()
        .filter((d) => d.duplicate)
        .map((d) => events.indexOf(d.messageId))
        .sort((a, b) => a - b)
      await close()
      return duplicated
    }
    const first = await run(42)
    expect(first.length).toBeGreaterThan(8)
    expect(first.length).toBeLessThan(32)
    expect(await run(42)).toEqual(first)
  })

  it('reorderWindow delivers updates out of order; the version guard still ends on Clerk’s state', async () => {
    const { app, clerk, client, close } = await setup({ reorderWindow: 60, seed: 7 })
    const user = await client.users.createUser({ emailAddress: ['order@example.com'] })
    for (let i = 0; i < 20; i++) await client.users.updateUser(user.id, { firstName: `v${i}` })
    await clerk.flush()
    const emitted = clerk.events().map((e) => e.messageId)
    const arrived = app.arrivals.map((a) => a.svixId)
    expect(arrived.sort()).toEqual([...emitted].sort())
    expect(app.arrivals.map((a) => a.svixId)).not.toEqual(emitted)
    expect(app.arrivals.some((a) => a.outcome === 'stale')).toBe(true)
    expect((await app.store.getUser(user.id))?.firstName).toBe('v19')
    await expectAppEqualsClerk(app, clerk)
    await close()
  })

  it('without chaos and with concurrency 1, messages arrive one at a time, in order', async () => {
    const { app, clerk, client, close } = await setup({ concurrency: 1 })
    app.delayMs = 5
    for (let i = 0; i < 10; i++)
      await client.users.createUser({ emailAddress: [`seq${i}@example.com`] })
    await clerk.flush()
    expect(app.arrivals.map((a) => a.svixId)).toEqual(clerk.events().map((e) => e.messageId))
    expect(app.maxInFlight).toBe(1)
    await close()
  })

  it('concurrency caps the attempts in flight', async () => {
    const { app, clerk, client, close } = await setup({ concurrency: 3 })
    app.delayMs = 30
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.users.createUser({ emailAddress: [`c${i}@example.com`] }),
      ),
    )
    await clerk.flush()
    expect(app.maxInFlight).toBe(3)
    expect(app.arrivals).toHaveLength(12)
    await close()
  })

  it('jitter spreads first attempts over the jitter window', async () => {
    const { app, clerk, client, close } = await setup({ jitter: 80, seed: 3 })
    for (let i = 0; i < 10; i++)
      await client.users.createUser({ emailAddress: [`j${i}@example.com`] })
    const sentAt = Date.now()
    await clerk.flush()
    const delays = clerk.deliveries().map((d) => d.startedAt - sentAt)
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(20)
    expect(Math.max(...delays)).toBeLessThan(80 + 200)
    expect(app.arrivals.every((a) => a.outcome === 'applied')).toBe(true)
    await close()
  })

  it('all at once: duplicates, reordering, jitter and a flaky app still converge on Clerk’s truth', async () => {
    let calls = 0
    // Every third answer is a 500, whatever the message: retries, then success.
    const flaky = () => (++calls % 3 === 0 ? 500 : undefined)
    const { app, clerk, client, close } = await setup(
      {
        duplicateRate: 0.3,
        reorderWindow: 40,
        jitter: 10,
        concurrency: 5,
        timeScale: 1e-5,
        seed: 11,
      },
      flaky,
    )
    const ids: string[] = []
    for (let i = 0; i < 8; i++)
      ids.push((await client.users.createUser({ emailAddress: [`mix${i}@example.com`] })).id)
    for (let round = 0; round < 3; round++) {
      for (const id of ids)
        await client.users.updateUserMetadata(id, {
          publicMetadata: { role: round % 2 ? 'admin' : 'trainer' },
        })
    }
    await client.users.deleteUser(ids[0]!)
    await client.users.deleteUser(ids[1]!)
    await clerk.flush({ timeoutMs: 15_000 })

    const log = clerk.deliveries()
    expect(log.some((d) => d.duplicate)).toBe(true)
    expect(log.some((d) => d.status === 500)).toBe(true)
    // Every message reached the app with a 2xx in the end.
    for (const { messageId } of clerk.events()) {
      expect(
        log.some((d) => d.messageId === messageId && d.ok && !d.duplicate),
        messageId,
      ).toBe(true)
    }
    await expectAppEqualsClerk(app, clerk)
    await close()
  })
})
