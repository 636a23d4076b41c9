import { silentLogger } from '@clerk-sync/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { pgBossMajor, type TestBoss } from './boss.js'
import { gate, type QueueHarness, queuedEvent, queueHarness } from './harness.js'

const skip = await postgresUnavailable()

/**
 * Under a database slower than the arrivals, the events waiting for their insert are bounded:
 * past `maxPendingEnqueues` a new one is refused at once (the webhook answers 500, Svix retries
 * later) instead of piling up in memory.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue enqueue bounds (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness

  beforeAll(async () => {
    h = await queueHarness()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('refuses an enqueue at once past maxPendingEnqueues while inserts are held', async () => {
    const slow = gate()
    // A database that takes its time with every insert.
    const boss = new Proxy(h.boss, {
      get(target, key) {
        const value = Reflect.get(target, key, target)
        if (typeof value !== 'function') return value
        if (key !== 'insert') return value.bind(target)
        return async (...args: unknown[]) => {
          await slow.wait
          return value.apply(target, args)
        }
      },
    }) as TestBoss
    const queue = pgBossQueue(boss, { name: 'bounds', maxPendingEnqueues: 3, logger: silentLogger })
    await queue.stats()

    // Two inserts in flight (the pump's limit), holding one event each.
    const inFlight = [queue.enqueue(queuedEvent())]
    await new Promise((resolve) => setTimeout(resolve, 20))
    inFlight.push(queue.enqueue(queuedEvent()))
    await new Promise((resolve) => setTimeout(resolve, 20))
    // Three more wait for a free insert: the bound.
    const waiting = [1, 2, 3].map(() => queue.enqueue(queuedEvent()))
    const startedAt = Date.now()
    const notRefused = new Promise((resolve) => setTimeout(resolve, 2000, 'not refused'))
    await expect(Promise.race([queue.enqueue(queuedEvent()), notRefused])).rejects.toThrow(
      /maxPendingEnqueues/,
    )
    expect(Date.now() - startedAt).toBeLessThan(1000)

    slow.release()
    expect(await Promise.all([...inFlight, ...waiting])).toEqual(Array(5).fill('queued'))
    // Room again once the backlog is stored.
    expect(await queue.enqueue(queuedEvent())).toBe('queued')
  })
})
