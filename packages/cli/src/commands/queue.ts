import { QUEUE_HELP } from '../help.js'
import type { Io } from '../io.js'
import { EXIT_OK, UsageError } from '../usage-error.js'
import { queueReplayDeadCommand } from './queue-replay-dead.js'
import { queueStatusCommand } from './queue-status.js'

/** `clerk-sync queue <status|replay-dead>`: queue mode's operations. */
export async function queueCommand(args: string[], io: Io): Promise<number> {
  const [subcommand, ...rest] = args
  switch (subcommand) {
    case 'status':
      return queueStatusCommand(rest, io)
    case 'replay-dead':
      return queueReplayDeadCommand(rest, io)
    case '-h':
    case '--help':
      io.out(QUEUE_HELP)
      return EXIT_OK
    case undefined:
      throw new UsageError('which one? status or replay-dead', 'queue')
    default:
      throw new UsageError(
        `unknown subcommand "${subcommand}"; the subcommands are status and replay-dead`,
        'queue',
      )
  }
}
