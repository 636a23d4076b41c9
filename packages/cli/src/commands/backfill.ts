import type { BackfillProgress, BackfillResult } from '@clerk-sync/core'
import {
  type CheckpointFile,
  checkpointPath,
  deleteCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../backfill/checkpoint-file.js'
import { clerkSyncErrorText } from '../command-failure.js'
import { countClerkUsers } from '../config/count-clerk-users.js'
import { withConfig } from '../config/with-config.js'
import { BACKFILL_HELP } from '../help.js'
import { EXIT_INTERRUPTED, listenForInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, CONFIG_OPTION, integerFlag, parseCommandArgs } from '../parse.js'
import { chooseDisplay } from '../progress/choose-display.js'
import { describeThroughput, formatCount, formatDuration, perSecond } from '../progress/format.js'
import { shellQuote } from '../shell-quote.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  ...CONFIG_OPTION,
  'page-size': { type: 'string' },
  'max-rate': { type: 'string' },
  restart: { type: 'boolean' },
  resume: { type: 'boolean' },
} as const

/** `--max-rate`: users per second, a positive finite number (fractions allowed). */
function maxRateFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const rate = Number(value)
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0) {
    throw new UsageError(
      `--max-rate must be a positive number of users per second, got "${value}"`,
      'backfill',
    )
  }
  return rate
}

function summaryText(result: BackfillResult, done: number): string {
  const rate = perSecond({
    done,
    total: null,
    doneThisRun: result.scanned,
    elapsedMs: result.durationMs,
  })
  return (
    `${formatCount(result.scanned)} users read from Clerk in ${formatDuration(result.durationMs)} ` +
    `(${formatCount(rate)} users/s): ${formatCount(result.applied)} written, ` +
    `${formatCount(result.stale)} already newer in your store, ${formatCount(result.failed)} failed.`
  )
}

/**
 * `clerk-sync backfill`: every Clerk user into the store, through `sync.backfill`. After each
 * committed page the checkpoint is saved beside the config; the next run resumes from it.
 */
/**
 * Core refused the saved checkpoint (another instance's key, an empty store): resuming cannot
 * help. Read by name and code, as clerkSyncErrorText does: the config may load its own copy of core.
 */
function refusedCheckpoint(error: unknown): boolean {
  return (
    clerkSyncErrorText(error)?.startsWith('CONFIG_INVALID: ') === true &&
    /checkpoint/.test((error as Error).message)
  )
}

export async function backfillCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('backfill', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(BACKFILL_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'backfill')
  if (values.resume && values.restart) {
    throw new UsageError('--resume and --restart exclude each other', 'backfill')
  }
  const pageSize = integerFlag('page-size', values['page-size'], 1, 500)
  const maxRate = maxRateFlag(values['max-rate'])
  const resumeCommand = [
    'clerk-sync backfill',
    ...(values.config ? ['--config', shellQuote(values.config)] : []),
    ...(pageSize ? ['--page-size', String(pageSize)] : []),
    ...(maxRate ? ['--max-rate', String(maxRate)] : []),
  ].join(' ')

  return withConfig('backfill', values.config, async ({ sync, clerk, path }) => {
    if (typeof sync.backfill !== 'function') {
      throw new UsageError('`sync` has no backfill(): update @clerk-sync/core', 'backfill')
    }
    const file = checkpointPath(path)
    if (values.restart) deleteCheckpoint(file)
    const saved = readCheckpoint(file)
    if (values.resume && !saved) {
      throw new UsageError(`--resume: there is no checkpoint to resume from (${file})`, 'backfill')
    }
    const display = chooseDisplay(io)
    const before = saved?.scanned ?? 0
    if (saved) {
      const text =
        `Resuming the backfill interrupted at ${saved.savedAt}: ${formatCount(before)} users were ` +
        `read before. (--restart starts over.)`
      if (io.json) io.err(text)
      else io.out(text)
    }
    const total = await countClerkUsers(clerk)
    const interrupt = listenForInterrupt((signal) => {
      const text = `${signal}: stopping once the page in flight is written (again to quit now).`
      if (io.json) io.err(text)
      else display.interrupted(text)
    })
    display.begin('Backfill', total, before)
    let result: BackfillResult
    try {
      result = await sync.backfill({
        clerk,
        ...(pageSize ? { pageSize } : {}),
        ...(maxRate ? { maxUsersPerSecond: maxRate } : {}),
        signal: interrupt.signal,
        resumeFrom: saved?.checkpoint ?? null,
        onProgress(progress: BackfillProgress) {
          const done = before + progress.scanned
          if (!progress.done) {
            const entry: CheckpointFile = {
              version: 1,
              savedAt: new Date().toISOString(),
              scanned: done,
              checkpoint: progress.checkpoint,
            }
            writeCheckpoint(file, entry)
          }
          const throughput = {
            done,
            total,
            doneThisRun: progress.scanned,
            elapsedMs: progress.elapsedMs,
          }
          if (io.json) {
            io.out(
              JSON.stringify({
                kind: 'progress',
                done,
                total,
                scanned: progress.scanned,
                applied: progress.applied,
                stale: progress.stale,
                failed: progress.failed,
                pages: progress.pages,
                elapsedMs: progress.elapsedMs,
                usersPerSecond: Math.round(perSecond(throughput)),
              }),
            )
          } else display.update(done, describeThroughput(throughput))
        },
      })
    } catch (error) {
      const message = clerkSyncErrorText(error) ?? (error as Error).message
      display.interrupted('Backfill stopped by an error.')
      const resumable = saved !== null || readCheckpoint(file) !== null
      if (io.json) {
        io.out(
          JSON.stringify({
            kind: 'summary',
            ok: false,
            error: message,
            ...(refusedCheckpoint(error)
              ? { restart: `${resumeCommand} --restart` }
              : resumable
                ? { resume: resumeCommand }
                : {}),
          }),
        )
      }
      io.err(`clerk-sync backfill: ${message}`)
      if (refusedCheckpoint(error)) io.err(`Start over with: ${resumeCommand} --restart`)
      else if (resumable)
        io.err(`The checkpoint is saved; once that is fixed, resume with: ${resumeCommand}`)
      return EXIT_FAILURE
    } finally {
      interrupt.dispose()
    }

    const done = before + result.scanned
    if (result.aborted) {
      writeCheckpoint(file, {
        version: 1,
        savedAt: new Date().toISOString(),
        scanned: done,
        checkpoint: result.checkpoint,
      })
      if (io.json) {
        io.out(
          JSON.stringify({
            kind: 'summary',
            ok: false,
            ...result,
            done,
            checkpointFile: file,
            resume: resumeCommand,
          }),
        )
      } else {
        display.end(`Interrupted. ${summaryText(result, done)}`)
        io.out(`The checkpoint is saved in ${file}. Resume with:\n  ${resumeCommand}`)
      }
      return EXIT_INTERRUPTED
    }
    deleteCheckpoint(file)
    const ok = result.failed === 0
    if (io.json) {
      io.out(JSON.stringify({ kind: 'summary', ok, ...result, done }))
    } else {
      display.end(`Backfill ${ok ? 'done' : 'done with failures'}. ${summaryText(result, done)}`)
      for (const failure of result.failures) io.out(`  failed ${failure.id}: ${failure.reason}`)
      if (result.failed > result.failures.length) {
        io.out(`  … and ${formatCount(result.failed - result.failures.length)} more`)
      }
    }
    return ok ? EXIT_OK : EXIT_FAILURE
  })
}
