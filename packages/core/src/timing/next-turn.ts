/**
 * Runs `run` at the end of this turn of the event loop (setImmediate); setTimeout 0 where there is
 * no setImmediate, or where it is a stub that throws (Next.js's Edge runtime).
 */
function nextTurn(run: () => void): void {
  try {
    if (typeof setImmediate === 'function') {
      setImmediate(run)
      return
    }
  } catch {}
  setTimeout(run, 0)
}

/**
 * A `schedule()` that runs `run` once at the end of the current event-loop turn, however often it
 * is called in that turn: the work of every request that arrived in the turn leaves together (group
 * commit, grouped enqueue), with no timer, so a lone request adds no latency.
 */
export function oncePerTurn(run: () => void): () => void {
  let scheduled = false
  return () => {
    if (scheduled) return
    scheduled = true
    nextTurn(() => {
      scheduled = false
      run()
    })
  }
}
