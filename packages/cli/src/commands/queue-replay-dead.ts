import { inQueueMode } from '../config/queue-mode.js'
import { withConfig } from '../config/with-config.js'
import { QUEUE_REPLAY_DEAD_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, integerFlag, parseCommandArgs } from '../parse.js'
import { formatCount } from '../progress/format.js'
import { EXIT_OK, UsageError } from '../usage-error.js'

const COMMAND = 'queue replay-dead'
/** The flag's own ceiling (a safe integer); the queue moves everything without one. */
const MAX_LIMIT_FLAG = Number.MAX_SAFE_INTEGER

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
  const limit = integerFlag('limit', values.limit, 1, MAX_LIMIT_FLAG)
  return withConfig(COMMAND, values.config, async (config) => {
    // Without --limit one call moves every dead letter (the EventQueue contract); the command
    // never loops on a guessed page size, which could stop early or replay twice.
    const moved = await inQueueMode(COMMAND, config, (sync) =>
      sync.replayDeadEvents(limit === undefined ? undefined : { limit }),
    )
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
