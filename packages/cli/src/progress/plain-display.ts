import type { ProgressDisplay } from './progress-display.js'

/** At most one progress line this often when the output is a pipe or a log file. */
export const PLAIN_INTERVAL_MS = 2000

/**
 * For pipes and log files: no cursor movement, a progress line at the first update and then at
 * most every PLAIN_INTERVAL_MS, and every kept line as it comes.
 */
export function plainDisplay(write: (text: string) => void): ProgressDisplay {
  let label = ''
  let lastLineAt = 0
  let updates = 0
  return {
    begin(next) {
      label = next
      lastLineAt = 0
      updates = 0
    },
    update(_done, text) {
      updates++
      const now = Date.now()
      if (updates > 1 && now - lastLineAt < PLAIN_INTERVAL_MS) return
      lastLineAt = now
      write(`${label}: ${text}`)
    },
    line: write,
    interrupted: write,
    end: write,
  }
}
