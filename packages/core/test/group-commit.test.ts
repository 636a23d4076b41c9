import {
  createClerkSync,
  MemoryStore,
  silentLogger,
  type UpsertUserInput,
  type UserStore,
} from '@clerk-sync/core'
import { withGroupCommit } from '@clerk-sync/core/store-kit'
import {
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
  webhookBodyText,
} from '@clerk-sync/testing'
import { describe, expect, it } from 'vitest'

const T0 = Date.UTC(2026, 0, 1)
const webhook = { source: 'webhook' as const, actor: null }

function input(id: string, version: number, eventId = `msg_${id}_${version}`): UpsertUserInput {
  return {
    user: {
      id,
      email: `${id}@example.com`,
      firstName: null,
      lastName: null,
      username: null,
      phone: null,
      imageUrl: null,
      role: 'member',
      createdAt: new Date(T0),
      updatedAt: new Date(T0 + version),
    },
    origin: webhook,
    event: { id: eventId, type: 'user.updated', receivedAt: new Date() },
  }
}

/** A MemoryStore that records the size of every batch it is given and can fail the next ones. */
function recordingStore() {
  const memory = new MemoryStore()
  const batches: number[] = []
  let failBatches = 0
  const store: UserStore = Object.assign(Object.create(memory), {
    upsertUser: (i: UpsertUserInput) => memory.upsertUser(i),
    async upsertUserBatch(inputs: UpsertUserInput[]) {
      batches.push(inputs.length)
      if (failBatches > 0) {
        failBatches--
        throw new Error('batch refused')
      }
      return memory.upsertUserBatch(inputs)
    },
  })
  return { memory, store, batches, failNextBatch: () => failBatches++ }
}

describe('withGroupCommit', () => {
  it('writes an upsert at once when nothing else runs (no timer, no batch)', async () => {
    const { store, batches } = recordingStore()
    const grouped = withGroupCommit(store)
    expect((await grouped.upsertUser(input('user_a', 1))).outcome).toBe('applied')
    expect(batches).toEqual([])
  })

  it('puts upserts that arrive while writes run into shared batches, one answer each', async () => {
    const { store, batches, memory } = recordingStore()
    const grouped = withGroupCommit(store, { maxInFlight: 2, maxBatch: 16 })
    const inputs = Array.from({ length: 200 }, (_, i) => input(`user_${i}`, 1))
    const results = await Promise.all(inputs.map((i) => grouped.upsertUser(i)))
    expect(results.every((r) => r.outcome === 'applied' && r.created)).toBe(true)
    expect(batches.length).toBeGreaterThan(0)
    expect(Math.max(...batches)).toBe(16)
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThan(150)
    expect(memory.snapshot().users.size).toBe(200)
  })

  it('never puts two upserts of one user, or one event id twice, in a batch', async () => {
    const { store, memory } = recordingStore()
    const seen: string[][] = []
    const spy: UserStore = Object.assign(Object.create(store), {
      upsertUser: (i: UpsertUserInput) => store.upsertUser(i),
      upsertUserBatch(inputs: UpsertUserInput[]) {
        seen.push(inputs.map((i) => i.user.id))
        return store.upsertUserBatch!(inputs)
      },
    })
    const grouped = withGroupCommit(spy, { maxInFlight: 1 })
    const inputs = [
      ...Array.from({ length: 30 }, (_, v) => input('user_same', v)),
      ...Array.from({ length: 30 }, (_, i) => input(`user_${i}`, 1)),
      input('user_x', 1, 'msg_twice'),
      input('user_y', 1, 'msg_twice'),
    ]
    const results = await Promise.all(inputs.map((i) => grouped.upsertUser(i)))
    for (const batch of seen) expect(new Set(batch).size).toBe(batch.length)
    expect(
      results
        .slice(-2)
        .map((r) => r.outcome)
        .sort(),
    ).toEqual(['applied', 'duplicate'])
    expect(memory.snapshot().syncState.get('user_same')?.version).toBe(T0 + 29)
  })

  it('writes each input of a failed batch alone, so one bad event cannot fail the others', async () => {
    const { store, batches, failNextBatch, memory } = recordingStore()
    const grouped = withGroupCommit(store, { maxInFlight: 1 })
    failNextBatch()
    const inputs = Array.from({ length: 20 }, (_, i) => input(`user_${i}`, 1))
    const results = await Promise.all(inputs.map((i) => grouped.upsertUser(i)))
    expect(batches[0]).toBeGreaterThan(1)
    expect(results.every((r) => r.outcome === 'applied')).toBe(true)
    expect(memory.snapshot().users.size).toBe(20)
  })

  it('returns a store without upsertUserBatch as it is', () => {
    const plain: UserStore = Object.assign(Object.create(new MemoryStore()), {
      upsertUserBatch: undefined,
    })
    expect(withGroupCommit(plain)).toBe(plain)
  })
})

describe('createClerkSync({ groupCommit })', () => {
  async function deliver(groupCommit: boolean | undefined) {
    const secret = generateSigningSecret()
    const { store, batches, memory } = recordingStore()
    const sync = createClerkSync({
      signingSecret: secret,
      store,
      logger: silentLogger,
      ...(groupCommit === undefined ? {} : { groupCommit }),
    })
    const results = await Promise.all(
      Array.from({ length: 100 }, () => {
        const body = webhookBodyText(userCreatedEvent(clerkUser()))
        return sync.processWebhook({ body, headers: signWebhook({ secret, body }) })
      }),
    )
    expect(results.every((r) => r.status === 200 && r.outcome === 'applied')).toBe(true)
    expect(memory.snapshot().users.size).toBe(100)
    return batches
  }

  it('is on by default: concurrent deliveries share batches', async () => {
    expect((await deliver(undefined)).length).toBeGreaterThan(0)
  })

  it('is off with groupCommit: false: every delivery is written alone', async () => {
    expect(await deliver(false)).toEqual([])
  })
})
