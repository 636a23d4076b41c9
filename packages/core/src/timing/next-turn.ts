/**
 * Runs `run` at the end of this turn of the event loop (setImmediate), so the work of every
 * request that arrived in the turn can leave together (group commit, grouped enqueue); setTimeout 0
 * where there is no setImmediate, or where it is a stub that throws (Next.js's Edge runtime).
 */
export function nextTurn(run: () => void): void {
  try {
    if (typeof setImmediate === 'function') {
      setImmediate(run)
      return
    }
  } catch {}
  setTimeout(run, 0)
}
