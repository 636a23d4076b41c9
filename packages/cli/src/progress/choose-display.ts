import type { Io } from '../io.js'
import { plainDisplay } from './plain-display.js'
import { type ProgressDisplay, silentDisplay } from './progress-display.js'
import { terminalDisplay } from './terminal-display.js'

/** `--json`: none (JSON lines instead); a terminal: the live bar; a pipe or file: plain lines. */
export function chooseDisplay(io: Io): ProgressDisplay {
  if (io.json) return silentDisplay
  if (process.stdout.isTTY) return terminalDisplay(process.stdout)
  return plainDisplay(io.out)
}
