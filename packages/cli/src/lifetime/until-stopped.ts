import { fstatSync } from 'node:fs'
import { ancestry, ancestryBroken } from './ancestors.js'

/** Why a long-running command stops: a signal, or the end of what started it. */
export interface StopReason {
  signal?: NodeJS.Signals
  reason: string
}

export interface LifetimeOptions {
  /**
   * Outlive the shell or the CI step that started it: no watch of the parent, its ancestors or
   * stdin, and SIGHUP ignored. Only SIGINT and SIGTERM stop it then.
   */
  detached?: boolean
}

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
 * Whether stdin is a lifeline: a pipe from the parent that is still open once the command has
 * started, so that its end means the parent has gone. Call `watchStdin()` before the slow part of
 * starting; `stdinLifeline()` after it. A pipe that had ended by then (`true | clerk-sync
 * emulator`, `spawn(…, { input: '' })`) never carried the parent's life: it is not watched.
 */
export function watchStdin(options: LifetimeOptions = {}): {
  lifeline(): Promise<boolean>
  /** Stops reading (the command failed to start): an open pipe must not keep the process alive. */
  release(): void
} {
  if (options.detached || !stdinIsPipe()) return { lifeline: async () => false, release() {} }
  let ended = false
  const onEnd = () => {
    ended = true
  }
  process.stdin.on('end', onEnd)
  process.stdin.on('error', onEnd)
  // Read and drop: the parent may write, and 'end' comes only to a flowing stream.
  process.stdin.resume()
  return {
    async lifeline() {
      // One turn of the event loop reads what is already there, an end included.
      await new Promise((resolve) => setTimeout(resolve, 20))
      process.stdin.off('end', onEnd)
      process.stdin.off('error', onEnd)
      if (ended) process.stdin.destroy()
      return !ended
    },
    release() {
      process.stdin.off('end', onEnd)
      process.stdin.off('error', onEnd)
      process.stdin.destroy()
    },
  }
}

/**
 * Resolves when the command should end: SIGINT (Ctrl-C) or SIGTERM; SIGHUP (its terminal
 * closed); the process that started it (or a wrapper above it, such as npx) has died, even by
 * SIGKILL, which no handler sees; stdin, when it is a lifeline (see `watchStdin`), has closed; or
 * stdout or stderr has (nobody reads the output any more). `detached` keeps only SIGINT and
 * SIGTERM. A second signal while closing quits at once.
 */
export function untilStopped(
  options: LifetimeOptions & { stdinLifeline?: boolean } = {},
): Promise<StopReason> {
  const detached = options.detached === true
  const stopSignals: NodeJS.Signals[] = detached
    ? ['SIGINT', 'SIGTERM']
    : ['SIGINT', 'SIGTERM', 'SIGHUP']
  // Node resets SIGHUP to its default (terminate) at start, nohup or not: ignore it explicitly.
  const ignoreHangup = () => {}
  if (detached) process.on('SIGHUP', ignoreHangup)
  return new Promise((resolve) => {
    const chain = detached ? [] : ancestry()
    const watchStdinEnd = !detached && options.stdinLifeline === true
    let stopped = false
    const stop = (reason: StopReason) => {
      if (stopped) return
      stopped = true
      clearInterval(poll)
      for (const signal of stopSignals) process.off(signal, onSignal)
      for (const signal of stopSignals) process.once(signal, () => process.exit(130))
      if (watchStdinEnd) {
        process.stdin.off('end', onStdinEnd)
        process.stdin.destroy()
      }
      resolve(reason)
    }
    const onSignal = (signal: NodeJS.Signals) => stop({ signal, reason: signal })
    const onStdinEnd = () => stop({ reason: 'stdin closed' })
    for (const signal of stopSignals) process.on(signal, onSignal)
    const poll = setInterval(() => {
      if (ancestryBroken(chain)) stop({ reason: 'the process that started it exited' })
    }, ANCESTRY_POLL_MS)
    poll.unref()
    if (watchStdinEnd) {
      process.stdin.on('end', onStdinEnd)
      process.stdin.on('error', onStdinEnd)
      if (process.stdin.readableEnded) onStdinEnd()
    }
    // EPIPE and the like: without a listener an 'error' on an output stream crashes the process
    // before the state is saved. Detached, output is best effort and the emulator goes on.
    for (const [stream, name] of [
      [process.stdout, 'stdout'],
      [process.stderr, 'stderr'],
    ] as const) {
      stream.on('error', () => {
        if (!detached) stop({ reason: `${name} closed` })
      })
    }
  })
}
