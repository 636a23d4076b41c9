import { createClerkClient } from '@clerk/backend'
import { type ClerkAPIResponseError, isClerkAPIResponseError } from '@clerk/backend/errors'
import { type ClerkEmulator, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { afterEach, expect, it } from 'vitest'

let emulator: ClerkEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

async function outcome(call: Promise<unknown>): Promise<number | ClerkAPIResponseError> {
  try {
    await call
    return 200
  } catch (error) {
    expect(isClerkAPIResponseError(error)).toBe(true)
    return error as ClerkAPIResponseError
  }
}

it('throttleNext(n, s): the next n Backend API calls answer 429 with Retry-After s, then all pass', async () => {
  emulator = await startClerkEmulator()
  const client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  const user = await client.users.createUser({ emailAddress: ['ada@example.com'] })
  // Four refusals: getUserList sends two requests (the page and its count), then one each.
  emulator.throttleNext(4, 7)

  // Refused at the door: a wrong key still answers 401 and uses up no refusal; nor does the JWKS.
  const wrongKey = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: 'sk_test_wrong' })
  expect(((await outcome(wrongKey.users.getUser(user.id))) as ClerkAPIResponseError).status).toBe(
    401,
  )
  const auth = { authorization: `Bearer ${emulator.secretKey}` }
  expect((await fetch(`${emulator.apiUrl}/v1/jwks`, { headers: auth })).status).toBe(200)

  const refused = [
    await outcome(client.users.getUserList({ limit: 500 })),
    await outcome(client.users.createUser({ emailAddress: ['bob@example.com'] })),
  ]
  for (const error of refused) {
    expect(error).not.toBe(200)
    const e = error as ClerkAPIResponseError
    expect(e.status).toBe(429)
    expect(e.retryAfter).toBe(7)
    expect(e.errors[0]!.code).toBe('too_many_requests')
    expect(e.clerkTraceId).toMatch(/^[0-9a-f]{32}$/)
  }
  // The refused create changed nothing.
  expect(emulator.users()).toHaveLength(1)

  // The wire answer: Clerk's ClerkErrors body and the header, exactly.
  const raw = await fetch(`${emulator.apiUrl}/v1/users/count`, { headers: auth })
  expect(raw.status).toBe(429)
  expect(raw.headers.get('retry-after')).toBe('7')
  expect(await raw.json()).toMatchObject({
    errors: [{ code: 'too_many_requests', message: 'Too many requests' }],
    clerk_trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
  })

  expect(await outcome(client.users.getUser(user.id))).toBe(200)
  expect(await outcome(client.users.getCount())).toBe(200)
  expect(emulator.requests().filter((r) => r.status === 429)).toHaveLength(4)
})

it('defaults Retry-After to 1 s, can be disarmed, and does not count against rateLimit', async () => {
  emulator = await startClerkEmulator({ rateLimit: { requests: 2, windowMs: 60_000 } })
  const client = createClerkClient({ apiUrl: emulator.apiUrl, secretKey: emulator.secretKey })
  emulator.throttleNext(2)
  const first = (await outcome(client.users.getCount())) as ClerkAPIResponseError
  expect(first.status).toBe(429)
  expect(first.retryAfter).toBe(1)
  emulator.throttleNext(0)
  // The rate limit's two requests are still all there.
  expect(await outcome(client.users.getCount())).toBe(200)
  expect(await outcome(client.users.getCount())).toBe(200)
  const limited = (await outcome(client.users.getCount())) as ClerkAPIResponseError
  expect(limited.status).toBe(429)
  expect(limited.retryAfter).toBeGreaterThan(1)

  // A later call replaces what was armed; 0 s is a valid Retry-After.
  emulator.throttleNext(5, 2)
  emulator.throttleNext(1, 0)
  const zero = await fetch(`${emulator.apiUrl}/v1/users/count`, {
    headers: { authorization: `Bearer ${emulator.secretKey}` },
  })
  expect(zero.headers.get('retry-after')).toBe('0')
  expect(() => emulator!.throttleNext(-1)).toThrow(TypeError)
  expect(() => emulator!.throttleNext(1.5)).toThrow(TypeError)
  expect(() => emulator!.throttleNext(1, 0.5)).toThrow(TypeError)
})
