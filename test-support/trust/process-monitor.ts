/**
 * Watches this process for what would kill a real server: an unhandled rejection (Node's default
 * is to exit) or an uncaught exception. Vitest keeps its worker alive and reports them; these
 * listeners let a test say which request caused one, and stop waiting for an answer that will
 * never come.
 */
export interface ProcessMonitor {
  /** Every error reported so far. */
  readonly errors: unknown[]
  /** Resolves with the next error reported from now on. */
  next(): Promise<unknown>
  stop(): void
}

export function monitorProcess(): ProcessMonitor {
  const errors: unknown[] = []
  let waiters: Array<(error: unknown) => void> = []
  const onError = (error: unknown) => {
    errors.push(error)
    const current = waiters
    waiters = []
    for (const wake of current) wake(error)
  }
  process.on('unhandledRejection', onError)
  process.on('uncaughtException', onError)
  return {
    errors,
    next: () => new Promise((resolve) => waiters.push(resolve)),
    stop() {
      process.off('unhandledRejection', onError)
      process.off('uncaughtException', onError)
    },
  }
}

/** A few turns of the event loop, so errors from work a request started have been reported. */
export async function settleEventLoop(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
}
