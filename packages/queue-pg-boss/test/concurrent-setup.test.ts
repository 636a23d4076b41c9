import { silentLogger } from '@clerk-sync/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUnavailable } from '../../../test-support/databases.js'
import { pgBossQueue } from '../src/index.js'
import { pgBossMajor, startBoss, type TestBoss } from './boss.js'
import { type QueueHarness, queueHarness } from './harness.js'

const skip = await postgresUnavailable()
const PROCESSES = 4
const ROUNDS = 6

/**
 * Replicas of a deploy start at once and each creates the queues on first use. pg-boss 10's
 * create_queue (an INSERT and a CREATE TABLE of the partition) can deadlock with itself when two
 * connections run it for the same queue; the loser is retried, since the queue exists either way.
 */
describe.skipIf(Boolean(skip))(
  `pgBossQueue first use from several bosses at once (pg-boss ${pgBossMajor})`,
  () => {
    let h: QueueHarness
    const bosses: TestBoss[] = []

    beforeAll(async () => {
      h = await queueHarness()
      for (let i = 0; i < PROCESSES; i++) bosses.push(await startBoss({ schema: h.schema }))
    })
    afterAll(async () => {
      for (const boss of bosses) await boss.stop({ graceful: false })
      await h?.close()
    })

    it('creates the same queues from every boss at once without failing any', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const name = `replica-${round}`
        const outcomes = await Promise.allSettled(
          bosses.map((boss) => pgBossQueue(boss, { name, logger: silentLogger }).stats()),
        )
        const failures = outcomes.flatMap((o) =>
          o.status === 'rejected' ? [String(o.reason)] : [],
        )
        expect(failures).toEqual([])
      }
    })
  },
)
