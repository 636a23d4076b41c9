// Typechecked only (tests/setup-guide.test.ts): every option of a backfill and a reconcile.
import { readFile, writeFile } from 'node:fs/promises'
import type { BackfillCheckpoint } from '@clerk-sync/core'
import { clerk } from './clerk.js'
import { sync } from './sync.js'

const signal = AbortSignal.timeout(60 * 60 * 1000)
const savedCheckpoint: BackfillCheckpoint | null = JSON.parse(
  await readFile('checkpoint.json', 'utf8').catch(() => 'null'),
)
const saveCheckpoint = (checkpoint: BackfillCheckpoint) =>
  writeFile('checkpoint.json', JSON.stringify(checkpoint))

// #region backfill-options
const result = await sync.backfill({
  clerk,
  pageSize: 500, // 1..500 users per request
  signal, // AbortSignal: stops at the next page boundary
  resumeFrom: savedCheckpoint, // from an earlier run's onProgress, or null
  onProgress: (p) => saveCheckpoint(p.checkpoint), // after each page written
  maxUsersPerSecond: 2000, // optional cap on the average rate, for live traffic's sake
})
// { scanned, applied, stale, failed, failures, durationMs, aborted, checkpoint }
// #endregion backfill-options

// #region reconcile
const report = await sync.reconcile({ clerk }) // report only
const repaired = await sync.reconcile({ clerk, apply: true }) // and repair
// { clerkScanned, localScanned, missing, different, gone, repaired, refused, items, itemsTruncated, durationMs, aborted }
// #endregion reconcile

console.log(result.applied, report.missing, repaired.repaired)
