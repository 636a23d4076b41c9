import type { DriftItem, ReconcileResult } from '@clerk-sync/core'
import { countClerkUsers } from '../config/count-clerk-users.js'
import { withConfig } from '../config/with-config.js'
import { RECONCILE_HELP } from '../help.js'
import { EXIT_INTERRUPTED, listenForInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, integerFlag, parseCommandArgs } from '../parse.js'
import { chooseDisplay } from '../progress/choose-display.js'
import { describeThroughput, formatCount, formatDuration } from '../progress/format.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

/** Exit code when reconcile refused to tombstone more users than its limit (see --force). */
export const EXIT_REFUSED = 3

const options = {
  ...CONFIG_OPTION,
  apply: { type: 'boolean' },
  force: { type: 'boolean' },
  'page-size': { type: 'string' },
} as const

const KIND_TEXT: Record<DriftItem['kind'], string> = {
  missing: 'in Clerk, missing from your store',
  different: 'differs',
  gone: 'in your store, deleted in Clerk',
}

export function describeDriftItem(item: DriftItem): string {
  const fields = item.kind === 'different' ? ` (${item.fields.join(', ')})` : ''
  return `${item.kind.padEnd(9)} ${item.userId}  ${KIND_TEXT[item.kind]}${fields}${item.repaired ? ' → repaired' : ''}`
}

function summaryText(result: ReconcileResult, apply: boolean): string {
  const drift = result.missing + result.different + result.gone
  const counts =
    `${formatCount(result.clerkScanned)} Clerk users and ${formatCount(result.localScanned)} local ` +
    `users compared in ${formatDuration(result.durationMs)}: ${formatCount(result.missing)} missing, ` +
    `${formatCount(result.different)} different, ${formatCount(result.gone)} gone`
  if (drift === 0) return `${counts}. No drift.`
  if (!apply) return `${counts}. Run again with --apply to repair them.`
  return `${counts}; ${formatCount(result.repaired)} repaired.`
}

/**
 * `clerk-sync reconcile`: `sync.reconcile`, its drift listed as it is found. Exit 0 when there is
 * none left (none found, or all repaired), 1 when some remains, 3 when it refused to tombstone.
 */
export async function reconcileCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('reconcile', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(RECONCILE_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'reconcile')
  if (values.force && !values.apply) {
    throw new UsageError('--force only matters with --apply', 'reconcile')
  }
  const pageSize = integerFlag('page-size', values['page-size'], 1, 500)
  const apply = values.apply ?? false

  return withConfig('reconcile', values.config, async ({ sync, clerk }) => {
    if (typeof sync.reconcile !== 'function') {
      throw new UsageError('`sync` has no reconcile(): update @clerk-sync/core', 'reconcile')
    }
    const display = chooseDisplay(io)
    const total = await countClerkUsers(clerk)
    const interrupt = listenForInterrupt((signal) => {
      const text = `${signal}: stopping at the next page (again to quit now).`
      if (io.json) io.err(text)
      else display.interrupted(text)
    })
    let phase: 'clerk' | 'local' | null = null
    let result: ReconcileResult
    try {
      result = await sync.reconcile({
        clerk,
        apply,
        force: values.force ?? false,
        ...(pageSize ? { pageSize } : {}),
        signal: interrupt.signal,
        onProgress(progress) {
          if (io.json) return
          if (progress.phase !== phase) {
            if (phase === 'clerk') display.end('Clerk users read.')
            phase = progress.phase
            display.begin(
              phase === 'clerk' ? 'Reading Clerk users' : 'Checking local users in Clerk',
              phase === 'clerk' ? total : null,
            )
          }
          display.update(
            progress.scanned,
            describeThroughput({
              done: progress.scanned,
              total: phase === 'clerk' ? total : null,
              doneThisRun: progress.scanned,
              elapsedMs: progress.elapsedMs,
            }),
          )
        },
        onItem(item) {
          // Its own kind (missing, different, gone) tells it from the summary line.
          if (io.json) io.out(JSON.stringify(item))
          else display.line(describeDriftItem(item))
        },
      })
    } finally {
      interrupt.dispose()
    }

    const remaining = result.missing + result.different + result.gone - result.repaired
    const code = result.aborted
      ? EXIT_INTERRUPTED
      : result.refused
        ? EXIT_REFUSED
        : remaining > 0
          ? EXIT_FAILURE
          : EXIT_OK
    if (io.json) {
      const { items: _items, ...summary } = result
      io.out(JSON.stringify({ kind: 'summary', ok: code === EXIT_OK, apply, ...summary }))
      return code
    }
    const text = summaryText(result, apply)
    if (phase !== null && !result.aborted) display.end(text)
    else io.out(text)
    // Core's message says why and what to check (it names `force`: here --apply --force).
    if (result.refused) io.out(result.refused.message)
    if (result.aborted) io.out('Interrupted; reconcile is safe to run again.')
    return code
  })
}
