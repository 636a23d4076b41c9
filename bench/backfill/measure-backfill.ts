/**
 * `sync.backfill` and `sync.reconcile` as an app runs them, each with this process's resident
 * memory sampled from just before the call (setup done: pool, store, client, clerk-sync) to its end.
 */
import { performance } from 'node:perf_hooks'
import type { ClerkSync, ClerkUsersApi } from '@clerk-sync/core'
import type { BackfillRunResult, ReconcileRunResult } from './messages.js'
import { startRssSampler } from './rss-sampler.js'

export async function measureBackfill(
  sync: ClerkSync<string>,
  clerk: ClerkUsersApi,
  pacing: { pageSize: number; maxUsersPerSecond?: number },
  probes: {
    countRows: () => Promise<number>
    /** Time spent in the store's `upsertUsers` so far. */
    writeSeconds: () => number
    onStart: () => void
  },
): Promise<BackfillRunResult> {
  const writesBefore = probes.writeSeconds()
  const sampler = startRssSampler()
  probes.onStart()
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const result = await sync.backfill({ clerk, ...pacing })
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const rss = sampler.stop()
  if (result.failures.length > 0)
    console.error(`backfill: ${result.failed} failed, e.g. ${JSON.stringify(result.failures[0])}`)
  return {
    users: result.scanned,
    seconds,
    usersPerSecond: result.scanned / seconds,
    applied: result.applied,
    stale: result.stale,
    failed: result.failed,
    writeSeconds: probes.writeSeconds() - writesBefore,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rowsAfter: await probes.countRows(),
    rss,
  }
}

export async function measureReconcile(
  sync: ClerkSync<string>,
  clerk: ClerkUsersApi,
): Promise<ReconcileRunResult> {
  const sampler = startRssSampler()
  const started = performance.now()
  const result = await sync.reconcile({ clerk, apply: false })
  const seconds = (performance.now() - started) / 1000
  return {
    clerkScanned: result.clerkScanned,
    localScanned: result.localScanned,
    missing: result.missing,
    different: result.different,
    gone: result.gone,
    seconds,
    rss: sampler.stop(),
  }
}
