import { readFileSync } from 'node:fs'
import { CommandFailure, clerkSyncErrorText } from './command-failure.js'
import { backfillCommand } from './commands/backfill.js'
import { checkCommand } from './commands/check.js'
import { emulatorCommand } from './commands/emulator.js'
import { importLegacyCommand } from './commands/import-legacy.js'
import { pruneCommand } from './commands/prune.js'
import { queueCommand } from './commands/queue.js'
import { reconcileCommand } from './commands/reconcile.js'
import { tokenCommand } from './commands/token.js'
import { triggerCommand } from './commands/trigger.js'
import { MAIN_HELP } from './help.js'
import { type Io, processIo } from './io.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js'

function version(): string {
  const manifest = new URL('../package.json', import.meta.url)
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

async function dispatch(command: string | undefined, args: string[], io: Io): Promise<number> {
  switch (command) {
    case 'emulator':
      return emulatorCommand(args, io)
    case 'token':
      return tokenCommand(args, io)
    case 'trigger':
      return triggerCommand(args, io)
    case 'check':
      return checkCommand(args, io)
    case 'backfill':
      return backfillCommand(args, io)
    case 'reconcile':
      return reconcileCommand(args, io)
    case 'import-legacy':
      return importLegacyCommand(args, io)
    case 'prune':
      return pruneCommand(args, io)
    case 'queue':
      return queueCommand(args, io)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      if (command === 'help' && args[0]) return dispatch(args[0], ['--help'], io)
      io.out(MAIN_HELP)
      return command === undefined ? EXIT_USAGE : EXIT_OK
    case '-v':
    case '--version':
      io.out(version())
      return EXIT_OK
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

/** Runs one invocation and returns its exit code (MAIN_HELP lists them). */
export async function run(argv: string[]): Promise<number> {
  const [command, ...args] = argv
  const io = processIo(argv.includes('--json'))
  try {
    return await dispatch(command, args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command ? `clerk-sync ${error.command}` : 'clerk-sync'
      if (io.json) io.out(JSON.stringify({ ok: false, error: error.message, usage: true }))
      io.err(`${where}: ${error.message}\nRun "${where} --help" for usage.`)
      return EXIT_USAGE
    }
    const known =
      error instanceof CommandFailure
        ? { where: `clerk-sync ${error.command}`, text: error.message }
        : clerkSyncErrorText(error) !== null
          ? {
              where: command ? `clerk-sync ${command}` : 'clerk-sync',
              text: clerkSyncErrorText(error)!,
            }
          : null
    if (known) {
      if (io.json) io.out(JSON.stringify({ ok: false, error: known.text }))
      io.err(`${known.where}: ${known.text}`)
      return EXIT_FAILURE
    }
    io.err(`clerk-sync: ${(error as Error).stack ?? String(error)}`)
    return EXIT_FAILURE
  }
}
