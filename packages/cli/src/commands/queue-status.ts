import type { QueueStats } from '@clerk-sync/core'
import { inQueueMode } from '../config/queue-mode.js'
import { withConfig } from '../config/with-config.js'
import { QUEUE_STATUS_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, parseCommandArgs } from '../parse.js'
import { formatCount, formatDuration } from '../progress/format.js'
import { EXIT_OK, UsageError } from '../usage-error.js'

const COMMAND = 'queue status'

/** The lines `clerk-sync queue status` prints for people. */
export function describeQueueStats(stats: QueueStats): string {
  const lines = [
    `queued          ${formatCount(stats.queued)}`,
    `active          ${formatCount(stats.active)}`,
    `dead            ${formatCount(stats.dead)}`,
    `oldest waiting  ${stats.oldestQueuedAgeMs === null ? '–' : formatDuration(stats.oldestQueuedAgeMs)}`,
  ]
  if (stats.dead > 0) {
    lines.push(
      `${formatCount(stats.dead)} event${stats.dead === 1 ? '' : 's'} failed every retry (the worker logs say why); ` +
        'fix the cause, then run clerk-sync queue replay-dead.',
    )
  }
  return lines.join('\n')
}

/** `clerk-sync queue status`: `sync.queueStats()`, for people or (--json) for monitoring. */
export async function queueStatusCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMAND, {
    args,
    options: { ...CONFIG_OPTION, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(QUEUE_STATUS_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, COMMAND)
  return withConfig(COMMAND, values.config, async (config) => {
    const stats = await inQueueMode(COMMAND, config, (sync) => sync.queueStats())
    if (io.json) io.out(JSON.stringify({ ok: true, ...stats }))
    else io.out(describeQueueStats(stats))
    return EXIT_OK
  })
}
