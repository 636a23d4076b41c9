/** Exit code after Ctrl-C or SIGTERM (128 + SIGINT's number, as shells report it). */
export const EXIT_INTERRUPTED = 130

export interface Interrupt {
  /** Aborted on the first SIGINT or SIGTERM: the run stops at its next page boundary. */
  signal: AbortSignal
  /** Stops listening (the process then handles the signals as Node does by default). */
  dispose(): void
}

/**
 * The first Ctrl-C (or SIGTERM) asks the run to stop where its work is committed; `onFirst` says
 * so. A second one quits at once: what was committed is kept, and a backfill's checkpoint is
 * already on disk.
 */
export function listenForInterrupt(onFirst: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController()
  const handle = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nclerk-sync: ${signal} again, quitting now.\n`)
      process.exit(EXIT_INTERRUPTED)
    }
    controller.abort(new Error(`interrupted by ${signal}`))
    onFirst(signal)
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handle)
      process.off('SIGTERM', handle)
    },
  }
}
