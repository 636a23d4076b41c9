import { pendingHelp } from '../help.js'
import type { Io } from '../io.js'
import { EXIT_OK, EXIT_USAGE } from '../usage-error.js'

/** `backfill` and `reconcile` are named now so scripts fail clearly, not with "unknown command". */
export function pendingCommand(command: string, args: string[], io: Io): number {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(pendingHelp(command))
    return EXIT_OK
  }
  const message = `clerk-sync ${command} is not yet available in this version.`
  if (io.json) io.out(JSON.stringify({ ok: false, error: message }))
  else io.err(message)
  return EXIT_USAGE
}
