/**
 * A connection that drops while Drizzle's transaction holds its client emits 'error' on that
 * client, which has no pool listener (pg-pool removes its own while a client is checked out); with
 * no listener at all the process exits. drizzleStore gives the clients it checks out their own, so
 * an app that sets only pool.on('error') (as the server here, like the examples) stays up: the
 * delivery answers 500 and the retry applies it.
 * A write is held inside its transaction by a trigger (test-support/faults.ts), so the drop
 * lands mid-transaction every time.
 */
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildChaosServer,
  createScopedDatabase,
  type ServerBuild,
  startFaultProxy,
  startFleet,
} from '../../test-support/chaos/index.js'
import { postgresUnavailable } from '../../test-support/databases.js'
import { pgFaults } from '../../test-support/faults.js'

const skip = await postgresUnavailable()

async function deliver(url: string, secret: string, body: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook({ secret, body }) },
    body,
    signal: AbortSignal.timeout(20_000),
  })
  await response.text()
  return response.status
}

async function dropMidTransaction(build: ServerBuild) {
  const db = await createScopedDatabase('postgres')
  const cleanups: Array<() => Promise<void>> = [() => db.drop()]
  try {
    const proxy = await startFaultProxy(db.target)
    cleanups.unshift(() => proxy.close())
    const secret = generateSigningSecret()
    const fleet = await startFleet({
      entry: build.serverEntry,
      cwd: build.dir,
      count: 1,
      env: {
        CHAOS_STORE: 'drizzle',
        CHAOS_DIALECT: 'postgres',
        CLERK_WEBHOOK_SIGNING_SECRET: secret,
        ...db.serverEnv(proxy),
      },
    })
    cleanups.unshift(() => fleet.stop())
    const faults = pgFaults(db)
    await faults.install([{ table: 'clerk_sync_users', id: 'id' }])
    const user = clerkUser({ emails: ['held@example.com'] })
    const held = await faults.hold(user.id, 3000, false)
    const url = `http://127.0.0.1:${fleet.ports[0]}/api/webhooks`
    const body = JSON.stringify(userCreatedEvent(user))
    const answer = deliver(url, secret, body).catch((error: Error) => error)
    await held.entered
    await proxy.outage(500)
    const first = await answer
    // The trigger holds only the first write: a retry goes straight through.
    const retry = fleet.unexpectedExits().length ? null : await deliver(url, secret, body)
    return { first, retry, exits: fleet.unexpectedExits() }
  } finally {
    // Servers first, then the proxy, then the database, even when a step above failed.
    for (const cleanup of cleanups) await cleanup()
  }
}

describe.skipIf(!!skip)('Drizzle over pg.Pool: a connection dropped mid-transaction', () => {
  let build: ServerBuild | undefined
  beforeAll(async () => {
    build = await buildChaosServer()
  })
  afterAll(() => build?.remove())

  it('answers 500, stays up and applies the retry with only pool.on("error") set', async () => {
    const { first, retry, exits } = await dropMidTransaction(build!)
    expect(exits).toEqual([])
    expect(first).toBe(500)
    expect(retry).toBe(200)
  }, 60_000)
})
