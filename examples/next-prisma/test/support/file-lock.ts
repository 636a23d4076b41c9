import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether a lock left behind can be taken over: its owner is gone (or never wrote its pid). */
function abandoned(lockDir: string): boolean {
  try {
    const owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'))
    return !alive(owner)
  } catch {
    // mkdir done, pid not written yet: give its owner a few seconds.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > 10_000
    } catch {
      return false
    }
  }
}

/**
 * Runs `work` while holding a lock shared by every process on this machine (test files run in
 * separate workers): a directory, since mkdir either creates it or fails, atomically. A lock whose
 * owning process died is taken over.
 */
export async function withFileLock<T>(
  lockDir: string,
  work: () => Promise<T>,
  { timeoutMs = 600_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      mkdirSync(lockDir)
      writeFileSync(join(lockDir, 'pid'), String(process.pid))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (abandoned(lockDir)) {
        rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`${lockDir} stayed locked for ${timeoutMs} ms`)
      await sleep(250)
    }
  }
  try {
    return await work()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}
