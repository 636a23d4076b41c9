import { ErrorCode, isClerkSyncError } from '@clerk-sync/core'
import { describe, expect, it } from 'vitest'
import { type PgBossLike, type PgBossQueueOptions, pgBossQueue } from '../src/index.js'
import { jobIdFor } from '../src/job-id.js'

// Construction reads nothing from the boss, so refusals need no database.
const boss = { insert: async () => null } as unknown as PgBossLike

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(isClerkSyncError(error, ErrorCode.CONFIG_INVALID)).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a CONFIG_INVALID refusal')
}

describe('pgBossQueue options', () => {
  it.each<[PgBossQueueOptions, string]>([
    [{ name: 'has space' }, '`name`'],
    [{ expireInSeconds: 0 }, '`expireInSeconds`'],
    [{ expireInSeconds: 86_400 }, '`expireInSeconds`'],
    [{ retryLimit: -1 }, '`retryLimit`'],
    [{ retryDelaySeconds: 1.5 }, '`retryDelaySeconds`'],
    [{ pollIntervalMs: 0 }, '`pollIntervalMs`'],
    [{ schema: 'drop table;' }, '`schema`'],
  ])('refuses %j', (options, named) => {
    expect(refusal(() => pgBossQueue(boss, options))).toContain(named)
  })

  it('refuses something that is not a PgBoss', () => {
    expect(refusal(() => pgBossQueue({} as PgBossLike))).toContain('PgBoss instance')
  })

  it('names its queue in its description', () => {
    expect(pgBossQueue(boss, { name: 'events' }).description).toBe('pg-boss queue "events"')
  })
})

describe('job ids', () => {
  it('are one UUID per svix-id, the same in every process', () => {
    const id = jobIdFor('msg_2abc')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(jobIdFor('msg_2abc')).toBe(id)
    expect(jobIdFor('msg_2abd')).not.toBe(id)
    // Pinned: a change would let a redelivery slip past a job queued by the previous release.
    expect(jobIdFor('msg_pinned')).toBe('c074c061-d108-5e30-8691-ac64d826d13d')
  })
})
