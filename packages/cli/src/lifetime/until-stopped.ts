import { fstatSync } from 'node:fs'
import { ancestry, ancestryBroken } from './ancestors.js'

/** Why a long-running command stops: a signal, or the end of what started it. */
export interface StopReason {
  signal?: NodeJS.Signals
  reason: string
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
const ANCESTRY_POLL_MS = 500

function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0)
    return stat.isFIFO() || stat.isSocket()
  } catch {
    return false
  }
}

/**
 * Resolves when the command should end: SIGINT (Ctrl-C), SIGTERM or SIGHUP (its terminal
 * closed); the process that started it (or a wrapper above it, such as npx) has died, even by
 * SIGKILL, which no handler sees; stdin, when it is a pipe from the parent, has closed; or stdout
 * has (nobody reads the output any more). A second signal while closing quits at once.
 */
export function untilStopped(): Promise<StopReason> {
  return new Promise((resolve) => {
    const chain = ancestry()
    const watchStdin = stdinIsPipe()
    let stopped = false
    const stop = (reason: StopReason) => {
      if (stopped) return
      stopped = true
      clearInterval(poll)
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
      for (const signal of STOP_SIGNALS) process.once(signal, () => process.exit(130))
      if (watchStdin) {
        process.stdin.off('end', onStdinEnd)
        process.stdin.destroy()
      }
      resolve(reason)
    }
    const onSignal = (signal: NodeJS.Signals) => stop({ signal, reason: signal })
    const onStdinEnd = () => stop({ reason: 'stdin closed' })
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
    const poll = setInterval(() => {
      if (ancestryBroken(chain)) stop({ reason: 'the process that started it exited' })
    }, ANCESTRY_POLL_MS)
    poll.unref()
    if (watchStdin) {
      process.stdin.on('end', onStdinEnd)
      process.stdin.on('error', onStdinEnd)
      // Read and drop: the parent may write, and 'end' comes only to a flowing stream.
      process.stdin.resume()
    }
    process.stdout.on('error', () => stop({ reason: 'stdout closed' }))
  })
}
