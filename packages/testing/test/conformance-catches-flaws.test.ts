import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

/**
 * A suite that passes everything proves nothing. This runs `storeConformance` against stores that
 * each break one rule (flawed-stores/) in a child vitest, and checks that the tests guarding that
 * rule fail.
 */
const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '../../..')

const expectedFailures: Record<string, string[]> = {
  'duplicates-do-not-wait': [
    'reports exactly one applied among 50 concurrent deliveries of one event',
  ],
  'no-version-guard': ['applies newer and equal versions and skips older ones'],
  'delete-forgets-tombstone': [
    'deletes the row, keeps the tombstone, and refuses any later upsert whatever its timestamp',
  ],
  'records-event-before-effect': [
    'does not record the event when the write fails, so a retry applies it',
  ],
  'audits-every-write': ['appends one entry per real role change, in the same write'],
  'trusts-role-before-over-stored-role': [
    'ignores roleBefore when it already holds the new role: the write that brought it recorded the change',
  ],
  'stale-events-not-recorded': ['records every handled event id, applied or stale'],
  'upsert-decides-before-hold': [
    'never resurrects a user when an upsert is held while the delete commits',
  ],
  'reads-previous-role-before-hold': [
    'reports one creation when two versions of a new user race, and audits from the role the first one committed',
    'audits from the role the other racer committed, not the one read before waiting, when two versions of an existing user race',
  ],
  'bulk-repeats-ids': [
    'reports each id once, in one list, and stores the newest copy in the batch',
  ],
  'has-event-only-applied': [
    'says whether an event id is recorded: applied, stale or deleted, not failed or pruned',
  ],
  'batch-not-atomic': ['commits a batch whole or not at all'],
  'batch-audits-without-event-id': [
    'answers each input of a batch as upsertUser would answer it alone',
  ],
  'batch-decides-before-wait': [
    'ends in the newest state when 12 batches over the same 30 users race in random orders',
  ],
  'kept-rows-listed': [
    'soft: keeps the row as the policy says, hides it from every read, and refuses any later upsert',
    'anonymize: keeps the row as the policy says, hides it from every read, and refuses any later upsert',
  ],
  'anonymize-keeps-phone': [
    'anonymize: keeps the row as the policy says, hides it from every read, and refuses any later upsert',
  ],
  'soft-deletes-row': [
    'soft: keeps the row as the policy says, hides it from every read, and refuses any later upsert',
  ],
  'keep-misses-racing-insert': [
    "soft: leaves no unmarked row across 20 unforced races of a delete with a user's first upsert",
    "anonymize: leaves no unmarked row across 20 unforced races of a delete with a user's first upsert",
  ],
  'get-users-caps-at-100': ['reads the live users among up to 1000 ids in one call (getUsers)'],
  'mapped-fields-overclaims': [
    'reads back every field it names in mappedFields, the role always (reconcile compares only these)',
  ],
}

type Report = {
  testResults: Array<{ name: string; assertionResults: Array<{ title: string; status: string }> }>
}

describe('storeConformance catches broken stores', () => {
  let failedByFlaw: Map<string, Set<string>>

  beforeAll(async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clerk-sync-flaws-')), 'report.json')
    await promisify(execFile)(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        join(here, 'flawed-stores/vitest.config.ts'),
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { cwd: root, env: { ...process.env, CI: '' }, maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { code?: number }) => {
      // Exit code 1 is expected: the flawed stores fail. Anything else is a broken run.
      if (error.code !== 1) throw error
    })
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report
    failedByFlaw = new Map()
    for (const file of report.testResults) {
      const flaw = file.name.split('/').at(-1)!.replace('.flawed.ts', '')
      failedByFlaw.set(
        flaw,
        new Set(file.assertionResults.filter((a) => a.status === 'failed').map((a) => a.title)),
      )
    }
  }, 120_000)

  it.each(Object.entries(expectedFailures))('fails a store whose flaw is %s', (flaw, titles) => {
    const failed = failedByFlaw.get(flaw)
    expect(failed, `no results for ${flaw}`).toBeDefined()
    for (const title of titles) expect([...failed!]).toContain(title)
  })
})
