import { createClerkClient } from '@clerk/backend'
import { ClerkSyncError, createClerkSync, MemoryStore } from '@clerk-sync/core'
import {
  clerkUser,
  generateSigningSecret,
  signedWebhookRequest,
  userCreatedEvent,
} from '@clerk-sync/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../test-support/capture-logger.js'
import {
  type CaseContext,
  constructionCases,
  type WebhookExpectation,
  webhookCases,
} from '../../test-support/trust/catalogue.js'
import { monitorProcess, settleEventLoop } from '../../test-support/trust/process-monitor.js'
import { send } from '../../test-support/trust/send.js'
import { startAdapters, type TrustAdapter } from '../../test-support/trust/servers.js'
import { storeState } from '../../test-support/trust/store-state.js'

/**
 * The bad-input catalogue, webhook part: each case sent over real HTTP (raw sockets, byte for
 * byte) to every adapter, each with its own MemoryStore, read before and after.
 */
const ctx: CaseContext = { secret: generateSigningSecret() }
const { logger } = captureLogger()
const monitor = monitorProcess()
// The webhook routes never call Clerk; the set-role routes mounted beside them are not used here.
const clerk = createClerkClient({ secretKey: 'sk_test_unused', apiUrl: 'http://127.0.0.1:9' })
const started = await startAdapters({ secret: ctx.secret, clerk, logger })
afterAll(async () => {
  await started.close()
  monitor.stop()
})

for (const adapter of started.adapters) {
  describe(adapter.name, () => {
    for (const testCase of webhookCases) {
      it(`[${testCase.group}] ${testCase.name}`, async () => {
        const expected: WebhookExpectation = {
          ...testCase.expect,
          ...testCase.perAdapter?.[adapter.name],
        }
        await runCase(adapter, testCase.build(ctx), expected)
      })
    }
  })
}

async function runCase(
  adapter: TrustAdapter,
  built: ReturnType<(typeof webhookCases)[number]['build']>,
  expected: WebhookExpectation,
) {
  const errorsBefore = monitor.errors.length
  const before = storeState(adapter.store)
  const outcome = await send(adapter, built.request, { interrupt: monitor.next() })
  await settleEventLoop()
  expect(monitor.errors.slice(errorsBefore), 'unhandled errors in the server process').toEqual([])
  expect(outcome.kind).toBe('answered')
  if (outcome.kind !== 'answered') return
  const { answer } = outcome
  expect({ status: answer.status, body: answer.text.slice(0, 300) }).toMatchObject({
    status: expected.status,
  })
  const json = answer.json as { outcome?: string; code?: string } | undefined
  if (expected.outcome) expect(json?.outcome).toBe(expected.outcome)
  if (expected.code) expect(json?.code).toBe(expected.code)
  if (expected.store === 'unchanged') {
    expect(storeState(adapter.store)).toBe(before)
  } else {
    expect(storeState(adapter.store)).not.toBe(before)
    await expected.check?.(adapter.store, built)
    if (built.userId) expect(await adapter.store.getUser(built.userId)).not.toBeNull()
  }
}

describe('secrets at construction', () => {
  for (const testCase of constructionCases) {
    it(`[${testCase.group}] ${testCase.name}`, async () => {
      const secret = testCase.secret()
      const store = new MemoryStore()
      if ('throws' in testCase.expect) {
        let caught: unknown
        try {
          createClerkSync({ signingSecret: secret, store, logger })
        } catch (error) {
          caught = error
        }
        expect(caught).toBeInstanceOf(ClerkSyncError)
        expect((caught as ClerkSyncError).code).toBe(testCase.expect.throws)
        expect((caught as Error).message).toMatch(testCase.expect.message)
        // The message names the problem, never the secret.
        const key = secret.replace(/^whsec_/, '').trim()
        if (key.length > 3) expect((caught as Error).message).not.toContain(key)
      } else {
        // Accepted: deliveries signed with the secret as it really is verify.
        const sync = createClerkSync({ signingSecret: secret, store, logger })
        const user = clerkUser()
        const response = await sync.handleWebhook(
          signedWebhookRequest({ secret: secret.trim(), body: userCreatedEvent(user) }),
        )
        expect(response.status).toBe(200)
        expect(await store.getUser(user.id)).not.toBeNull()
      }
    })
  }
})
