/** How a long command shows where it is: a live bar on a terminal, plain lines otherwise. */
export interface ProgressDisplay {
  /** Starts a phase; `total` (null: unknown) sizes the bar. */
  begin(label: string, total: number | null, done?: number): void
  /** How much is done (absolute) and the text to show beside it. */
  update(done: number, text: string): void
  /** A line that stays, printed above the live display (a drift item, a conflict). */
  line(text: string): void
  /** The run is stopping early: says so where the bar is. */
  interrupted(text: string): void
  /** Ends the phase, leaving `text`. */
  end(text: string): void
}

/** For `--json`: the commands print JSON lines themselves. */
export const silentDisplay: ProgressDisplay = {
  begin() {},
  update() {},
  line() {},
  interrupted() {},
  end() {},
}
