import { type ProgressResult, progress, spinner } from '@clack/prompts'
import type { ProgressDisplay } from './progress-display.js'

type Live = Pick<ProgressResult, 'start' | 'stop' | 'cancel' | 'message' | 'isCancelled'> & {
  advance?: ProgressResult['advance']
}

/**
 * clack's spinner puts the terminal in raw mode, where Ctrl-C is a keypress on which it exits the
 * process at once (code 0). Back in cooked mode Ctrl-C is SIGINT again, which the command handles:
 * it stops at a page boundary first.
 */
function keepCtrlCASignal(): void {
  if (process.stdin.isTTY) process.stdin.setRawMode(false)
}

/** A live bar (@clack/prompts' progress) when the total is known, its spinner otherwise. */
export function terminalDisplay(output: NodeJS.WriteStream): ProgressDisplay {
  let live: Live | null = null
  let shown = 0
  let running = false
  const stop = (text: string) => {
    if (live && running) live.stop(text)
    else output.write(`${text}\n`)
    running = false
  }
  return {
    begin(label, total, done = 0) {
      live =
        total === null
          ? spinner({ output })
          : progress({ output, max: Math.max(1, total), size: 30, style: 'heavy' })
      shown = 0
      if (live.advance && done > 0) {
        live.start(label)
        live.advance(done, label)
        shown = done
      } else live.start(label)
      keepCtrlCASignal()
      running = true
    },
    update(done, text) {
      if (!live || !running) return
      if (live.advance) {
        live.advance(Math.max(0, done - shown), text)
        shown = Math.max(shown, done)
      } else live.message(text)
    },
    line(text) {
      // Over the spinner's current frame; it redraws itself on the next line at its next tick.
      output.write(running ? `\r\x1b[2K${text}\n` : `${text}\n`)
    },
    interrupted(text) {
      if (live && running) live.cancel(text)
      else output.write(`${text}\n`)
      running = false
    },
    end: stop,
  }
}
