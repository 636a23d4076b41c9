import { DEFAULT_EVENT_RETENTION_DAYS } from '@clerk-sync/core'
import { withConfig } from '../config/with-config.js'
import { PRUNE_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, integerFlag, parseCommandArgs } from '../parse.js'
import { formatCount } from '../progress/format.js'
import { EXIT_OK, UsageError } from '../usage-error.js'

const DAY_MS = 24 * 60 * 60 * 1000

const options = {
  ...CONFIG_OPTION,
  'older-than-days': { type: 'string' },
} as const

/** `clerk-sync prune`: `sync.pruneEvents`, for a cron line or a scheduled job. */
export async function pruneCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('prune', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(PRUNE_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'prune')
  const days =
    integerFlag('older-than-days', values['older-than-days'], 0, 36_500) ??
    DEFAULT_EVENT_RETENTION_DAYS
  return withConfig('prune', values.config, async ({ sync }) => {
    const olderThan = new Date(Date.now() - days * DAY_MS)
    const pruned = await sync.pruneEvents({ olderThan })
    if (io.json) io.out(JSON.stringify({ ok: true, pruned, olderThan: olderThan.toISOString() }))
    else {
      io.out(
        `Forgot ${formatCount(pruned)} processed event ids older than ${days} days (${olderThan.toISOString()}).`,
      )
    }
    return EXIT_OK
  })
}
