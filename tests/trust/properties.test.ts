import { createClerkClient } from '@clerk/backend'
import { MemoryStore } from '@clerk-sync/core'
import { generateSigningSecret, signWebhook } from '@clerk-sync/testing'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { captureLogger } from '../../test-support/capture-logger.js'
import { type BuiltRequest, delivery } from '../../test-support/trust/catalogue.js'
import { monitorProcess, settleEventLoop } from '../../test-support/trust/process-monitor.js'
import { send } from '../../test-support/trust/send.js'
import { startAdapters, type TrustAdapter } from '../../test-support/trust/servers.js'
import { signatureHolds } from '../../test-support/trust/standard-webhooks.js'
import { storeCounts } from '../../test-support/trust/store-state.js'

/**
 * Random mutations of valid signed deliveries, sent over real HTTP to every adapter. Judged by a
 * Standard Webhooks verifier written in the test, not by clerk-sync: nothing is written unless
 * the signature holds, nothing crashes the process, and nothing answers 5xx unless the store
 * fails. CLERK_SYNC_FC_RUNS=10000 for the large run (default 1,000).
 */
const RUNS = Number(process.env.CLERK_SYNC_FC_RUNS ?? 1000)
const SEED = process.env.CLERK_SYNC_FC_SEED ? Number(process.env.CLERK_SYNC_FC_SEED) : undefined
const secret = generateSigningSecret()
const { logger } = captureLogger()
const monitor = monitorProcess()
const clerk = createClerkClient({ secretKey: 'sk_test_unused', apiUrl: 'http://127.0.0.1:9' })

/** A store whose every write fails, as a database that is down. */
class FailingStore extends MemoryStore {
  override async upsertUser(): Promise<never> {
    throw new Error('injected: database unavailable')
  }
  override async deleteUser(): Promise<never> {
    throw new Error('injected: database unavailable')
  }
}

const healthy = await startAdapters({ secret, clerk, logger })
const failing = await startAdapters({ secret, clerk, logger, makeStore: () => new FailingStore() })
afterAll(async () => {
  await healthy.close()
  await failing.close()
  monitor.stop()
})

type Headers = Array<[string, string]>
/** Header values a client can put on the wire: printable ASCII, no CR/LF. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
})
const svixNames = ['svix-id', 'svix-timestamp', 'svix-signature'] as const
const svixName = fc.constantFrom(...svixNames)
// Shifts that stay clear of the 300 s edge, so the two clocks cannot disagree on a verdict.
const shift = fc.oneof(
  fc.integer({ min: -290, max: 290 }),
  fc.integer({ min: 310, max: 10_000_000 }),
  fc.integer({ min: -10_000_000, max: -310 }),
)

type Mutation =
  | { kind: 'flip-body-byte'; at: number; bit: number }
  | { kind: 'truncate-body'; keep: number }
  | { kind: 'append-body'; bytes: Uint8Array }
  | { kind: 'replace-body'; text: string }
  | { kind: 'shift-timestamp'; by: number }
  | { kind: 'set-header'; name: string; value: string }
  | { kind: 'drop-header'; name: string }
  | { kind: 'repeat-header'; name: string; value: string }
  | { kind: 'signature-entries'; entries: string[] }
  | { kind: 'method'; method: string }
  /** Signs the (mutated) message again, correctly: such deliveries may be written. */
  | { kind: 're-sign' }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip-body-byte' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('truncate-body' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('append-body' as const), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('replace-body' as const), text: fc.oneof(fc.string(), fc.json()) }),
  fc.record({ kind: fc.constant('shift-timestamp' as const), by: shift }),
  fc.record({ kind: fc.constant('set-header' as const), name: svixName, value: headerText }),
  fc.record({ kind: fc.constant('drop-header' as const), name: svixName }),
  fc.record({ kind: fc.constant('repeat-header' as const), name: svixName, value: headerText }),
  fc.record({
    kind: fc.constant('signature-entries' as const),
    entries: fc.array(
      fc.oneof(
        fc.constantFrom('v1,', 'v1a,', 'v2,', ''),
        fc
          .uint8Array({ minLength: 0, maxLength: 40 })
          .map((b) => `v1,${Buffer.from(b).toString('base64')}`),
        headerText,
      ),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    kind: fc.constant('method' as const),
    method: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST'),
  }),
  fc.constant({ kind: 're-sign' as const }),
)

function apply(
  built: BuiltRequest,
  mutations: Mutation[],
): { request: BuiltRequest['request']; bodyChanged: boolean } {
  let { body, headers, method } = built.request
  headers = [...headers]
  const original = body
  const get = (name: string) => headers.find(([n]) => n === name)?.[1] ?? ''
  const set = (name: string, value: string) => {
    headers = [...headers.filter(([n]) => n !== name), [name, value]]
  }
  for (const m of mutations) {
    switch (m.kind) {
      case 'flip-body-byte':
        if (body.byteLength) {
          body = Buffer.from(body)
          const at = m.at % body.byteLength
          body[at] = (body[at] ?? 0) ^ (1 << m.bit)
        }
        break
      case 'truncate-body':
        body = body.subarray(0, m.keep % (body.byteLength + 1))
        break
      case 'append-body':
        body = Buffer.concat([body, m.bytes])
        break
      case 'replace-body':
        body = Buffer.from(m.text)
        break
      case 'shift-timestamp':
        set('svix-timestamp', String(Number(get('svix-timestamp')) + m.by))
        break
      case 'set-header':
        set(m.name, m.value)
        break
      case 'drop-header':
        headers = headers.filter(([n]) => n !== m.name)
        break
      case 'repeat-header':
        headers = [...headers, [m.name, m.value]]
        break
      case 'signature-entries':
        set('svix-signature', [get('svix-signature'), ...m.entries].join(' '))
        break
      case 'method':
        method = m.method
        break
      case 're-sign': {
        const id = get('svix-id')
        const timestamp = Number(get('svix-timestamp'))
        if (id && Number.isSafeInteger(timestamp) && timestamp > 0) {
          set('svix-signature', signWebhook({ secret, body, id, timestamp })['svix-signature'])
        }
        break
      }
    }
  }
  return {
    request: { ...built.request, body, headers: headers as Headers, method },
    bodyChanged: !original.equals(body),
  }
}

/** Adapters are drawn by name, so a counterexample prints as one word. */
const anAdapter = (set: { adapters: TrustAdapter[] }) =>
  fc.constantFrom(...set.adapters.map((a) => a.name))
const byName = (set: { adapters: TrustAdapter[] }, name: string) =>
  set.adapters.find((a) => a.name === name) as TrustAdapter

async function deliverMutated(adapter: TrustAdapter, mutations: Mutation[]) {
  const built = delivery({ secret })
  const { request, bodyChanged } = apply(built, mutations)
  const holds =
    request.method === 'POST' &&
    signatureHolds({
      secret,
      headers: request.headers,
      body: request.body,
      nowSeconds: Math.floor(Date.now() / 1000),
    })
  const errors = monitor.errors.length
  const before = storeCounts(adapter.store)
  const outcome = await send(adapter, request, { interrupt: monitor.next() })
  await settleEventLoop(1)
  return { built, request, bodyChanged, holds, errors, before, outcome }
}

describe(`random mutations of signed deliveries (${RUNS} runs each)`, () => {
  it('never write unless the signature holds, never crash, never answer 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        anAdapter(healthy),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (name, mutations) => {
          const adapter = byName(healthy, name)
          const run = await deliverMutated(adapter, mutations)
          expect(monitor.errors.length).toBe(run.errors)
          expect(run.outcome.kind).toBe('answered')
          const status = run.outcome.kind === 'answered' ? run.outcome.answer.status : 0
          expect(status).toBeLessThan(500)
          if (storeCounts(adapter.store) !== run.before) expect(run.holds).toBe(true)
        },
      ),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    )
  })

  it('with a failing store: 500 only for a delivery whose signature holds, and nothing recorded', async () => {
    await fc.assert(
      fc.asyncProperty(
        anAdapter(failing),
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        async (name, mutations) => {
          const adapter = byName(failing, name)
          const run = await deliverMutated(adapter, mutations)
          expect(monitor.errors.length).toBe(run.errors)
          expect(run.outcome.kind).toBe('answered')
          const answer = run.outcome.kind === 'answered' ? run.outcome.answer : undefined
          if ((answer?.status ?? 0) >= 500) {
            expect(run.holds).toBe(true)
            expect(answer?.json).toMatchObject({ outcome: 'failed' })
          }
          // An untouched delivery: the store's failure must show, so Svix retries.
          if (mutations.length === 0) expect(answer?.status).toBe(500)
          expect(storeCounts(adapter.store)).toBe(run.before)
        },
      ),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    )
  })

  it('the judge itself: accepts what signWebhook signs, refuses one flipped bit', () => {
    const built = delivery({ secret })
    const now = Math.floor(Date.now() / 1000)
    const { headers, body } = built.request
    expect(signatureHolds({ secret, headers, body, nowSeconds: now })).toBe(true)
    const flipped = Buffer.from(body)
    flipped[0] = (flipped[0] ?? 0) ^ 1
    expect(signatureHolds({ secret, headers, body: flipped, nowSeconds: now })).toBe(false)
    expect(
      signatureHolds({ secret: generateSigningSecret(), headers, body, nowSeconds: now }),
    ).toBe(false)
    expect(signatureHolds({ secret, headers, body, nowSeconds: now + 301 })).toBe(false)
  })
})
