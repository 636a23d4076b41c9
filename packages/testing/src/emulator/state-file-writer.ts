import { type EmulatorStateFile, writeEmulatorState } from './emulator-state.js'

/** Writes come at most this often; a change waits at most this long (or longer, see below). */
const MIN_INTERVAL_MS = 100

/**
 * Saves the state after changes, coalesced: the first change schedules a write, changes until
 * then ride along. A directory large enough that a write takes a while spaces writes out to four
 * times its duration, so saving never takes more than a fifth of the time. `close()` writes what
 * is pending at once.
 */
export class StateFileWriter {
  readonly #path: string
  readonly #snapshot: () => EmulatorStateFile
  readonly #onError: (error: Error) => void
  #timer: NodeJS.Timeout | undefined
  #dirty = false
  #intervalMs = MIN_INTERVAL_MS
  #closed = false

  constructor(path: string, snapshot: () => EmulatorStateFile, onError: (error: Error) => void) {
    this.#path = path
    this.#snapshot = snapshot
    this.#onError = onError
  }

  changed(): void {
    if (this.#closed) return
    this.#dirty = true
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#save()
    }, this.#intervalMs)
    // A test that forgets close() must still be able to exit.
    this.#timer.unref()
  }

  /** Writes now, throwing what the write throws (used at start, where a bad path must fail). */
  writeNow(): void {
    this.#clearTimer()
    this.#dirty = false
    const started = performance.now()
    writeEmulatorState(this.#path, this.#snapshot())
    this.#intervalMs = Math.max(MIN_INTERVAL_MS, 4 * (performance.now() - started))
  }

  /** Writes what is pending, then ignores further changes. */
  close(): void {
    this.#clearTimer()
    if (this.#dirty) this.#save()
    this.#closed = true
  }

  #save(): void {
    try {
      this.writeNow()
    } catch (error) {
      // Stays dirty: the next change (or close) tries again.
      this.#dirty = true
      this.#onError(error as Error)
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
