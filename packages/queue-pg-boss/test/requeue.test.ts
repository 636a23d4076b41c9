import { randomId } from '@clerk-sync/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import type { PgBossDb } from '../src/index.js'
import { pgBossMajor, type TestBoss } from './boss.js'
import { type QueueHarness, queueHarness, userCreated } from './harness.js'

const skip = await postgresUnavailable()

/** Whether a call puts a dead-lettered job back: 12's `retry`, or 10's own requeue statement. */
const isRequeueCall = (key: PropertyKey) => key === 'retry' || key === 'resume'
const isRequeueSql = (text: unknown) => typeof text === 'string' && text.includes('WITH requeued')

/**
 * A redelivery of a dead-lettered event puts its job back: the job must then wait like any other
 * (not be archived or deleted as finished), and the dead copy of a failure that happens after it
 * was put back must stay.
 */
describe.skipIf(Boolean(skip))(`pgBossQueue requeue (pg-boss ${pgBossMajor})`, () => {
  let h: QueueHarness
  /** Runs right after each requeue command returns, before the adapter's next step. */
  let afterRequeue: (() => Promise<void>) | undefined
  let running = 0
  let mostAtOnce = 0

  beforeAll(async () => {
    h = await queueHarness({
      queue: { retryLimit: 0 },
      wrapBoss: (boss) => {
        const hooked = async <T>(run: () => Promise<T>): Promise<T> => {
          running++
          mostAtOnce = Math.max(mostAtOnce, running)
          try {
            const result = await run()
            await afterRequeue?.()
            return result
          } finally {
            running--
          }
        }
        const db = (): PgBossDb => {
          const real = boss.getDb()
          return new Proxy(real, {
            get(target, key) {
              const value = Reflect.get(target, key, target)
              if (key !== 'executeSql')
                return typeof value === 'function' ? value.bind(target) : value
              return (text: string, values?: unknown[]) =>
                isRequeueSql(text)
                  ? hooked(() => real.executeSql(text, values))
                  : real.executeSql(text, values)
            },
          })
        }
        return new Proxy(boss, {
          get(target, key) {
            const value = Reflect.get(target, key, target)
            if (typeof value !== 'function') return value
            if (key === 'getDb') return db
            // Called on the boss itself: pg-boss keeps private fields a Proxy cannot reach.
            if (!isRequeueCall(key)) return value.bind(target)
            return (...args: unknown[]) => hooked(() => value.apply(target, args))
          },
        }) as TestBoss
      },
    })
  })
  beforeEach(async () => {
    afterRequeue = undefined
    mostAtOnce = 0
    await h.sql(`DELETE FROM ${h.schema}.job WHERE name IN ($1, $2)`, [
      h.queueName,
      `${h.queueName}-dead`,
    ])
  })
  afterAll(async () => {
    await h?.close()
  })

  /** Delivers `count` events and fails each once (retryLimit 0): all dead-lettered. */
  async function deadLettered(count: number) {
    const events = Array.from({ length: count }, () => ({
      ...userCreated(),
      svixId: randomId('msg'),
    }))
    for (const e of events) {
      expect(await h.deliver(e.payload, e.svixId)).toMatchObject({ outcome: 'queued' })
    }
    const jobs = await h.boss.fetch(h.queueName, { batchSize: count })
    expect(jobs).toHaveLength(count)
    await h.boss.fail(
      h.queueName,
      jobs.map((job) => job.id),
      { message: 'store down' },
    )
    expect((await h.sync.queueStats()).dead).toBe(count)
    return events
  }

  const rowOf = async (svixId: string) =>
    (
      await h.sql(
        `SELECT state::text AS state, completed_on FROM ${h.schema}.job WHERE name = $1 AND data->>'eventId' = $2`,
        [h.queueName, svixId],
      )
    )[0]

  it('puts the job back as waiting, with no completion time that archiving or retention would act on', async () => {
    const [e] = await deadLettered(1)
    const answer = await h.deliver(e!.payload, e!.svixId)
    expect(answer).toMatchObject({ status: 200, outcome: 'queued' })
    expect(answer.message).toContain('dead-lettered')

    expect(await rowOf(e!.svixId)).toEqual({ state: 'retry', completed_on: null })
    // pg-boss 10's archive (plans.js archive) moves any job whose completed_on is older than its
    // interval, waiting or not; with the interval at 0 s nothing of the queue may qualify.
    const archivable = await h.sql(
      `SELECT id FROM ${h.schema}.job WHERE name = $1
        AND ((state <> 'failed' AND completed_on < now()) OR (state < 'active' AND keep_until < now()))`,
      [h.queueName],
    )
    expect(archivable).toEqual([])
    expect((await h.sync.queueStats()).dead).toBe(0)
    // And a worker gets it.
    const [job] = await h.boss.fetch(h.queueName, { batchSize: 5 })
    expect(job?.data).toMatchObject({ eventId: e!.svixId })
  })

  it('keeps the dead copy of a failure that happens after the job was put back', async () => {
    const [e] = await deadLettered(1)
    // Another process's worker takes the requeued job at once and its write fails again.
    afterRequeue = async () => {
      afterRequeue = undefined
      const jobs = await h.boss.fetch(h.queueName, { batchSize: 1 })
      expect(jobs).toHaveLength(1)
      await h.boss.fail(h.queueName, [jobs[0]!.id], { message: 'still down' })
    }
    expect(await h.deliver(e!.payload, e!.svixId)).toMatchObject({ status: 200, outcome: 'queued' })

    // The second failure dead-lettered it anew: visible and replayable, not hidden.
    expect((await h.sync.queueStats()).dead).toBe(1)
    const copies = (await h.jobs()).filter((job) => job.name === `${h.queueName}-dead`)
    expect(copies.map((job) => job.data?.eventId)).toEqual([e!.svixId])
    expect(await h.sync.replayDeadEvents()).toBe(1)
    expect(await rowOf(e!.svixId)).toMatchObject({ state: 'retry' })
  })

  it('runs at most two requeues at once for a burst of redeliveries', async () => {
    const events = await deadLettered(6)
    afterRequeue = () => new Promise((resolve) => setTimeout(resolve, 100))
    const answers = await Promise.all(events.map((e) => h.deliver(e.payload, e.svixId)))
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, outcome: 'queued' })
      expect(answer.message).toContain('dead-lettered')
    }
    expect(mostAtOnce).toBeGreaterThanOrEqual(1)
    expect(mostAtOnce).toBeLessThanOrEqual(2)
    expect((await h.sync.queueStats()).dead).toBe(0)
  })
})
