import { inQueueMode } from '../config/queue-mode.js'
import { withConfig } from '../config/with-config.js'
import { QUEUE_REPLAY_DEAD_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, integerFlag, parseCommandArgs } from '../parse.js'
import { formatCount } from '../progress/format.js'
import { EXIT_OK, UsageError } from '../usage-error.js'

const COMMAND = 'queue replay-dead'
/** The most `replayDeadEvents` moves in one call (the queue refuses more). */
const MAX_REPLAY_LIMIT = 100_000

/** `clerk-sync queue replay-dead`: `sync.replayDeadEvents({ limit })`, oldest first. */
export async function queueReplayDeadCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(COMMAND, {
    args,
    options: { ...CONFIG_OPTION, limit: { type: 'string' }, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(QUEUE_REPLAY_DEAD_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, COMMAND)
  const limit = integerFlag('limit', values.limit, 1, MAX_REPLAY_LIMIT)
  return withConfig(COMMAND, values.config, async (config) => {
    // Without --limit: every dead letter, in calls of the most the queue moves at once.
    const moved = await inQueueMode(COMMAND, config, async (sync) => {
      if (limit !== undefined) return sync.replayDeadEvents({ limit })
      let total = 0
      for (;;) {
        const batch = await sync.replayDeadEvents({ limit: MAX_REPLAY_LIMIT })
        total += batch
        if (batch < MAX_REPLAY_LIMIT) return total
      }
    })
    if (io.json) io.out(JSON.stringify({ ok: true, moved }))
    else if (moved === 0) io.out('No dead-lettered events to replay.')
    else {
      io.out(
        `Moved ${formatCount(moved)} dead-lettered event${moved === 1 ? '' : 's'} back to the queue; ` +
          'a running worker applies them (check with clerk-sync queue status).',
      )
    }
    return EXIT_OK
  })
}
