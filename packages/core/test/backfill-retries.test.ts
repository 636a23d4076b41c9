import { createServer } from 'node:http'
import { createClerkClient } from '@clerk/backend'
import { type ClerkRetryInfo, withClerkRetries } from '@clerk-sync/core'
import { clerkUser } from '@clerk-sync/testing'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** A Backend API stand-in on a real socket: answers each request with the next status given. */
async function flakyApi(statuses: number[]) {
  let calls = 0
  const server = createServer((_req, res) => {
    const status = statuses[calls++] ?? 200
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(
      status === 200
        ? JSON.stringify(clerkUser({ id: 'user_flaky' }))
        : JSON.stringify({ errors: [{ code: 'internal_clerk_error', message: 'Oops' }] }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('withClerkRetries with the real @clerk/backend client', () => {
  let emulator: ClerkEmulator
  beforeAll(async () => {
    emulator = await startClerkEmulator()
  })
  afterAll(() => emulator.close())
  const client = () => createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })

  it('retries 5xx answers and returns the first success', async () => {
    const api = await flakyApi([503, 502])
    try {
      const flaky = createClerkClient({ apiUrl: api.apiUrl, secretKey: emulator.secretKey })
      const retries: ClerkRetryInfo[] = []
      const user = await withClerkRetries(() => flaky.users.getUser('user_flaky'), {
        onRetry: (info) => retries.push(info),
      })
      expect(user.id).toBe('user_flaky')
      expect(api.calls()).toBe(3)
      expect(retries.map((r) => [r.attempt, r.status])).toEqual([
        [1, 503],
        [2, 502],
      ])
    } finally {
      await api.close()
    }
  })

  it('waits out a 429 for its Retry-After', async () => {
    const [user] = emulator.seedUsers([{}])
    emulator.throttleNext(1, 1)
    const retries: ClerkRetryInfo[] = []
    const found = await withClerkRetries(() => client().users.getUser(user!.id), {
      onRetry: (info) => retries.push(info),
    })
    expect(found.id).toBe(user!.id)
    expect(retries).toHaveLength(1)
    expect(retries[0]!.status).toBe(429)
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000)
  })

  it('does not retry an answer a retry cannot change (404), and rejects with it', async () => {
    const retries: ClerkRetryInfo[] = []
    const error = await withClerkRetries(() => client().users.getUser('user_nobody'), {
      onRetry: (info) => retries.push(info),
    }).catch((e: unknown) => e)
    expect((error as { status?: number }).status).toBe(404)
    expect(retries).toEqual([])
  })

  it('retries network failures up to maxAttempts, then rejects with the last error', async () => {
    const api = await flakyApi([])
    await api.close() // nothing listens on the port any more
    const down = createClerkClient({ apiUrl: api.apiUrl, secretKey: emulator.secretKey })
    const retries: ClerkRetryInfo[] = []
    const error = await withClerkRetries(() => down.users.getUser('user_x'), {
      maxAttempts: 3,
      onRetry: (info) => retries.push(info),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(retries.map((r) => [r.attempt, r.status])).toEqual([
      [1, null],
      [2, null],
    ])
  })

  it('rejects with the signal’s reason as soon as it aborts, mid-wait', async () => {
    emulator.throttleNext(5, 30)
    const controller = new AbortController()
    const call = withClerkRetries(() => client().users.getUser('user_any'), {
      signal: controller.signal,
      onRetry: () => controller.abort(new Error('stopped by the test')),
    })
    await expect(call).rejects.toThrow('stopped by the test')
    emulator.throttleNext(0)
  })
})
