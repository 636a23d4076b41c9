import { createClerkClient } from '@clerk/backend'
import { mapClerkUser } from '@clerk-sync/core'
import { generateSigningSecret } from '@clerk-sync/testing'
import {
  type DeliveryAttempt,
  SVIX_RETRY_SCHEDULE_MS,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { describe, expect, it } from 'vitest'
import { createWebhookServer } from '../../../examples/node-http/src/server.js'
import { refusedUrl, startReceiver } from './emulator-support/webhook-receiver.js'

/** Svix's ~27.6 hours in about one second. */
const TIME_SCALE = 1e-5

/** Gap between one attempt's failure and the next attempt's start, in ms. */
function gaps(attempts: DeliveryAttempt[]): number[] {
  return attempts
    .slice(1)
    .map((a, i) => a.startedAt - (attempts[i]!.startedAt + attempts[i]!.latencyMs))
}

describe('webhooks delivered as Svix does, to a real clerk-sync app', () => {
  it('emits user.created/updated/deleted for every mutation; the app ends equal to Clerk', async () => {
    const secret = generateSigningSecret()
    const app = await startReceiver(secret)
    const clerk = await startClerkEmulator({ webhookUrl: app.url, signingSecret: secret })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })

    const ada = await client.users.createUser({
      emailAddress: ['ada@example.com'],
      firstName: 'Ada',
    })
    const bob = await client.users.createUser({ phoneNumber: ['+15555550123'], username: 'bobby' })
    const eve = await client.users.createUser({ emailAddress: ['eve@example.com'] })
    await client.users.updateUser(ada.id, { lastName: 'Lovelace', username: 'adalovelace' })
    await client.users.updateUserMetadata(ada.id, { publicMetadata: { role: 'admin' } })
    await client.users.replaceUserMetadata(bob.id, { publicMetadata: { role: 'trainer' } })
    await client.users.deleteUser(eve.id)
    await clerk.flush()

    expect(clerk.events().map((e) => e.type)).toEqual([
      'user.created',
      'user.created',
      'user.created',
      'user.updated',
      'user.updated',
      'user.updated',
      'user.deleted',
    ])
    expect(clerk.deliveries().every((d) => d.ok && d.attempt === 1)).toBe(true)
    expect(app.arrivals.map((a) => a.outcome)).toEqual(Array(7).fill('applied'))

    // Field by field: what the app stored is what clerk-sync maps from Clerk's truth.
    const truth = clerk.users()
    expect(truth.map((u) => u.id).sort()).toEqual([ada.id, bob.id].sort())
    for (const user of truth) expect(await app.store.getUser(user.id)).toEqual(mapClerkUser(user))
    expect((await app.store.getUser(ada.id))?.role).toBe('admin')
    expect(await app.store.getUser(eve.id)).toBeNull()
    await Promise.all([clerk.close(), app.close()])
  })

  it('uses Clerk’s envelope: data, object, type, ms timestamp, instance_id, event_attributes', async () => {
    const secret = generateSigningSecret()
    const app = await startReceiver(secret)
    const clerk = await startClerkEmulator({ webhookUrl: app.url, signingSecret: secret })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const before = Date.now()
    const user = await client.users.createUser({ emailAddress: ['env@example.com'] })
    await clerk.flush()
    const [arrival] = app.arrivals
    const event = JSON.parse(arrival!.body)
    expect(Object.keys(event).sort()).toEqual(
      ['data', 'event_attributes', 'instance_id', 'object', 'timestamp', 'type'].sort(),
    )
    expect(event).toMatchObject({
      object: 'event',
      type: 'user.created',
      instance_id: clerk.instanceId,
    })
    expect(event.timestamp).toBeGreaterThanOrEqual(before)
    expect(event.timestamp).toBeLessThanOrEqual(Date.now())
    expect(event.data).toEqual(user.raw)
    // The HTTP request behind the change: the Backend API call made by @clerk/backend.
    expect(event.event_attributes.http_request.client_ip).toBe('127.0.0.1')
    expect(event.event_attributes.http_request.user_agent).toMatch(/@clerk\/backend/)
    expect(arrival!.userAgent).toMatch(/^Svix-Webhooks\//)
    expect(arrival!.svixId).toBe(clerk.events()[0]!.messageId)
    await Promise.all([clerk.close(), app.close()])
  })

  it('fans each message out to every endpoint, each with its own secret', async () => {
    const [secretA, secretB] = [generateSigningSecret(), generateSigningSecret()]
    const [a, b] = await Promise.all([startReceiver(secretA), startReceiver(secretB)])
    const clerk = await startClerkEmulator({ webhookUrl: a.url, signingSecret: secretA })
    // Added after start: the app's port is often known only once the emulator runs.
    clerk.addWebhookEndpoint(b.url, { signingSecret: secretB })
    expect(clerk.webhookUrls).toEqual([a.url, b.url])
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const user = await client.users.createUser({ emailAddress: ['fan@example.com'] })
    await clerk.flush()
    expect(a.arrivals.map((x) => x.outcome)).toEqual(['applied'])
    expect(b.arrivals.map((x) => x.outcome)).toEqual(['applied'])
    expect(a.arrivals[0]!.svixId).toBe(b.arrivals[0]!.svixId)
    expect(await a.store.getUser(user.id)).toEqual(await b.store.getUser(user.id))
    await Promise.all([clerk.close(), a.close(), b.close()])
  })

  it('retries a failing endpoint on Svix’s schedule, scaled, then gives up after 8 attempts', async () => {
    const secret = generateSigningSecret()
    const app = await startReceiver(secret, { fault: () => 500 })
    const clerk = await startClerkEmulator({
      webhookUrl: app.url,
      signingSecret: secret,
      timeScale: TIME_SCALE,
    })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const started = Date.now()
    await client.users.createUser({ emailAddress: ['retry@example.com'] })
    await clerk.flush({ timeoutMs: 10_000 })
    const elapsed = Date.now() - started

    const attempts = clerk.deliveries()
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(attempts.every((a) => a.status === 500 && !a.ok)).toBe(true)
    expect(attempts.map((a) => a.final)).toEqual([...Array(7).fill(false), true])
    expect(new Set(attempts.map((a) => a.messageId)).size).toBe(1)
    expect(new Set(app.arrivals.map((a) => a.svixId)).size).toBe(1)
    // Each gap is the scheduled delay times timeScale. Slack: Date.now() has 1 ms steps, Node's
    // timers count from the event loop's cached clock, and a loaded CI machine runs late.
    const expected = SVIX_RETRY_SCHEDULE_MS.slice(1).map((ms) => ms * TIME_SCALE)
    gaps(attempts).forEach((gap, i) => {
      expect(gap, `gap before attempt ${i + 2}`).toBeGreaterThanOrEqual(expected[i]! - 5)
      // Upper bound generous: CI runs database suites beside this one on two cores.
      expect(gap, `gap before attempt ${i + 2}`).toBeLessThan(expected[i]! + 1000)
    })
    const total = expected.reduce((sum, ms) => sum + ms, 0) // 993 ms
    expect(elapsed).toBeGreaterThanOrEqual(total - 20)
    expect(elapsed).toBeLessThan(total + 5000)
    await Promise.all([clerk.close(), app.close()])
  })

  it('keeps svix-id across retries while each attempt is freshly timestamped and signed', async () => {
    const secret = generateSigningSecret()
    // Fails once; the retry comes 5 s × 0.25 = 1.25 s later, in another second.
    const app = await startReceiver(secret, {
      fault: ({ index }) => (index === 0 ? 503 : undefined),
    })
    const clerk = await startClerkEmulator({
      webhookUrl: app.url,
      signingSecret: secret,
      timeScale: 0.25,
    })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const user = await client.users.createUser({ emailAddress: ['fresh@example.com'] })
    await clerk.flush({ timeoutMs: 5000 })
    const [first, second] = app.arrivals
    expect(first!.svixId).toBe(second!.svixId)
    expect(first!.body).toBe(second!.body)
    expect(Number(second!.svixTimestamp)).toBeGreaterThan(Number(first!.svixTimestamp))
    expect(second!.svixSignature).not.toBe(first!.svixSignature)
    expect(second!.outcome).toBe('applied')
    expect(clerk.deliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 200],
    ])
    expect(clerk.deliveries().map((d) => d.svixTimestamp)).toEqual(
      app.arrivals.map((a) => Number(a.svixTimestamp)),
    )
    expect(await app.store.getUser(user.id)).not.toBeNull()
    await Promise.all([clerk.close(), app.close()])
  })

  it('counts 3xx, 4xx, a refused connection and a timeout as failures, and retries them', async () => {
    const secret = generateSigningSecret()
    const answers: Array<number | 'hang'> = [302, 400, 'hang']
    const app = await startReceiver(secret, { fault: ({ index }) => answers[index] })
    const refused = await refusedUrl()
    const clerk = await startClerkEmulator({
      webhookUrl: [app.url, refused],
      signingSecret: secret,
      timeScale: TIME_SCALE,
      timeoutMs: 150,
    })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const user = await client.users.createUser({ emailAddress: ['faults@example.com'] })
    await clerk.flush({ timeoutMs: 10_000 })

    const toApp = clerk.deliveries().filter((d) => d.url === app.url)
    expect(toApp.map((d) => [d.attempt, d.status, d.error])).toEqual([
      [1, 302, null],
      [2, 400, null],
      [3, null, 'timeout'],
      [4, 200, null],
    ])
    expect(toApp[2]!.latencyMs).toBeGreaterThanOrEqual(140)
    expect(toApp[2]!.latencyMs).toBeLessThan(1000)
    expect(await app.store.getUser(user.id)).not.toBeNull()

    const toRefused = clerk.deliveries().filter((d) => d.url === refused)
    expect(toRefused).toHaveLength(8)
    expect(toRefused.every((d) => d.status === null && d.error === 'ECONNREFUSED')).toBe(true)
    await Promise.all([clerk.close(), app.close()])
  })

  it('flush() rejects after its timeout while retries are hours away, and close() drops them', async () => {
    const secret = generateSigningSecret()
    const app = await startReceiver(secret, { fault: () => 500 })
    const clerk = await startClerkEmulator({ webhookUrl: app.url, signingSecret: secret })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    await client.users.createUser({ emailAddress: ['stuck@example.com'] })
    await expect(clerk.flush({ timeoutMs: 300 })).rejects.toThrow(/1 deliveries still pending/)
    // Attempt 1 failed; attempt 2 is 5 real seconds away.
    expect(clerk.deliveries().map((d) => d.attempt)).toEqual([1])
    await clerk.close()
    await clerk.flush() // nothing left: resolves at once
    await app.close()
  })

  it('flush() resolves at once with no endpoint, and events are still recorded', async () => {
    const clerk = await startClerkEmulator()
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    await client.users.createUser({ emailAddress: ['nobody@example.com'] })
    await clerk.flush()
    expect(clerk.events()).toHaveLength(1)
    expect(clerk.deliveries()).toEqual([])
    await clerk.close()
  })

  it('runs the README example as written', async () => {
    // The README's `startApp`: a server with a webhook route and a database.
    const startApp = async ({ signingSecret }: { signingSecret: string }) => {
      const receiver = await startReceiver(signingSecret)
      const url = receiver.url.replace(/\/api\/webhooks$/, '')
      return {
        url,
        db: { findUser: (id: string) => receiver.store.getUser(id) },
        close: receiver.close,
      }
    }
    const clerk = await startClerkEmulator({ timeScale: 1e-5 }) // 27.6 h of retries in ~1 s
    const app = await startApp({ signingSecret: clerk.signingSecret })
    clerk.addWebhookEndpoint(`${app.url}/api/webhooks`)
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const { id } = await client.users.createUser({ emailAddress: ['ada@example.com'] })
    await clerk.flush() // every webhook delivered, or out of retries
    expect(await app.db.findUser(id)).toMatchObject({ email: 'ada@example.com' })
    await Promise.all([clerk.close(), app.close()])
  })

  it('drives examples/node-http unchanged', async () => {
    const { createClerkSync, MemoryStore, silentLogger } = await import('@clerk-sync/core')
    const secret = generateSigningSecret()
    const store = new MemoryStore()
    const server = createWebhookServer(
      createClerkSync({ signingSecret: secret, store, logger: silentLogger }),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const clerk = await startClerkEmulator({
      webhookUrl: `http://127.0.0.1:${port}/api/webhooks`,
      signingSecret: secret,
    })
    const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
    const user = await client.users.createUser({ emailAddress: ['example@example.com'] })
    await clerk.flush()
    expect((await store.getUser(user.id))?.email).toBe('example@example.com')
    await clerk.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
})
