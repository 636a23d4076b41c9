import { importLegacyUsers, type LegacyImportItem, type LegacyImportResult } from '@clerk-sync/core'
import { withConfig } from '../config/with-config.js'
import { IMPORT_LEGACY_HELP } from '../help.js'
import { EXIT_INTERRUPTED, listenForInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, parseCommandArgs } from '../parse.js'
import { chooseDisplay } from '../progress/choose-display.js'
import { describeThroughput, formatCount, formatDuration } from '../progress/format.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  ...CONFIG_OPTION,
  apply: { type: 'boolean' },
} as const

const OUTCOME_TEXT: Record<LegacyImportItem['outcome'], string> = {
  would_create: 'would create',
  created: 'created',
  already_imported: 'already imported',
  conflict: 'conflict',
  rejected_hash: 'rejected hash',
}

export function describeImportItem(item: LegacyImportItem): string {
  return `${OUTCOME_TEXT[item.outcome].padEnd(16)} ${item.appId}${item.clerkId ? ` → ${item.clerkId}` : ''}${item.reason ? `: ${item.reason}` : ''}`
}

function summaryText(result: LegacyImportResult, wouldCreate: number): string {
  const counts =
    `${formatCount(result.scanned)} app users read in ${formatDuration(result.durationMs)}: ` +
    `${formatCount(result.dryRun ? wouldCreate : result.created)} ${result.dryRun ? 'would be created' : 'created'} in Clerk` +
    `${result.dryRun ? '' : ` (${formatCount(result.linked)} linked back)`}, ` +
    `${formatCount(result.skipped)} already imported, ${formatCount(result.conflicts)} not importable.`
  return result.dryRun ? `Dry run: ${counts} Run again with --apply to create them.` : counts
}

/**
 * `clerk-sync import-legacy`: the app's users without a Clerk account (config.legacyUsers) into
 * Clerk, with their password hashes, then linked back. A dry run unless --apply.
 */
export async function importLegacyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('import-legacy', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(IMPORT_LEGACY_HELP)
    return EXIT_OK
  }
  if (positionals[0]) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`, 'import-legacy')
  }
  const apply = values.apply ?? false

  return withConfig('import-legacy', values.config, async ({ clerk, legacyUsers }) => {
    if (!legacyUsers) {
      throw new UsageError(
        'the config returns no `legacyUsers`: add e.g. legacyUsers: drizzleLegacyUsers(db, { table, columns }) ' +
          '(from @clerk-sync/drizzle) or prismaLegacyUsers(prisma, { model, fields }) (from @clerk-sync/prisma)',
        'import-legacy',
      )
    }
    const display = chooseDisplay(io)
    const interrupt = listenForInterrupt((signal) => {
      const text = `${signal}: stopping after the users in hand (again to quit now).`
      if (io.json) io.err(text)
      else display.interrupted(text)
    })
    display.begin(apply ? 'Importing' : 'Dry run', null)
    let result: LegacyImportResult
    let wouldCreate = 0
    try {
      result = await importLegacyUsers({
        clerk,
        source: legacyUsers,
        apply,
        signal: interrupt.signal,
        onProgress(progress) {
          if (io.json) return
          display.update(
            progress.scanned,
            `${describeThroughput({ done: progress.scanned, total: null, doneThisRun: progress.scanned, elapsedMs: progress.elapsedMs })} · ` +
              `${formatCount(progress.created)} created · ${formatCount(progress.conflicts)} conflicts`,
          )
        },
        onItem(item) {
          if (item.outcome === 'would_create') wouldCreate++
          if (io.json) io.out(JSON.stringify({ kind: 'item', ...item }))
          else if (item.outcome !== 'already_imported') display.line(describeImportItem(item))
        },
      })
    } finally {
      interrupt.dispose()
    }
    const code = result.aborted ? EXIT_INTERRUPTED : result.conflicts > 0 ? EXIT_FAILURE : EXIT_OK
    if (io.json) {
      const { items: _items, ...summary } = result
      io.out(JSON.stringify({ kind: 'summary', ok: code === EXIT_OK, ...summary }))
      return code
    }
    if (result.aborted) {
      io.out(`Interrupted. ${summaryText(result, wouldCreate)}`)
      io.out('Run the same command again to go on: users already imported are skipped.')
    } else display.end(summaryText(result, wouldCreate))
    return code
  })
}
