import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { EmulatorStateError } from './emulator-state.js'

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Locks this process holds: a lock with our pid and not here is a previous life's (pid reuse). */
const heldHere = new Set<string>()

function holderOf(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * One emulator per state file: two would each save their own users over the other's, silently.
 * `<file>.lock` is created exclusively and holds the pid; a lock left by a process that is gone
 * (killed with SIGKILL, say) is taken over. `release()` removes it, if still ours.
 */
export function lockStateFile(statePath: string): { release(): void } {
  const lockPath = `${statePath}.lock`
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(lockPath, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new EmulatorStateError(
          `cannot write the emulator state file ${statePath}'s lock ${lockPath}: ${(error as Error).message}`,
          statePath,
          { cause: error },
        )
      }
      const holder = holderOf(lockPath)
      const ours = holder === process.pid
      if (holder !== undefined && (ours ? heldHere.has(lockPath) : running(holder))) {
        throw new EmulatorStateError(
          `another emulator (pid ${holder}${ours ? ', this process' : ''}) is using the state file ${statePath}: two would ` +
            `overwrite each other's users. Stop it, or give this one another --state file. ` +
            `(If pid ${holder} is not an emulator, delete ${lockPath}.)`,
          statePath,
        )
      }
      // Stale (its process is gone), or not yet holding a pid (an emulator starting this moment):
      // the latter gets a moment to write it, then the lock is taken over.
      if (holder === undefined && attempt === 0) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
        continue
      }
      if (attempt > 2) {
        throw new EmulatorStateError(`cannot lock the emulator state file ${statePath}`, statePath)
      }
      rmSync(lockPath, { force: true })
      continue
    }
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    heldHere.add(lockPath)
    let released = false
    return {
      release() {
        if (released) return
        released = true
        heldHere.delete(lockPath)
        if (holderOf(lockPath) === process.pid) rmSync(lockPath, { force: true })
      },
    }
  }
}
