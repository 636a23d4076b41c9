import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

export interface DirLockOptions {
  /** A lock this old is taken over even if its holder lives; Infinity: only a dead holder's. */
  staleAfterMs: number
  /** Give up (throw) after waiting this long; Infinity waits as long as the holder lives. */
  maxWaitMs: number
  /** Checked while waiting: true when the holder finished the work meanwhile (nothing to do). */
  done?: () => Promise<boolean>
  /** Called about once a minute while waiting, to say so. */
  onWait?: (holderPid: number) => void
}

/**
 * Takes the lock folder `path` (mkdir is atomic, across processes), holding this process's pid,
 * and resolves its release; or undefined once `done()` says another holder did the work. A lock
 * whose holder is gone, or older than `staleAfterMs`, is taken over. For the caches the tests and
 * CI scripts share (Node runtimes, Verdaccio, each major's workspace copy).
 */
export async function takeDirLock(
  path: string,
  options: DirLockOptions,
): Promise<(() => Promise<void>) | undefined> {
  const deadline = Date.now() + options.maxWaitMs
  // The cache folder may not exist yet on a fresh machine.
  await mkdir(dirname(path), { recursive: true })
  for (let waited = 0; ; waited++) {
    try {
      await mkdir(path)
      await writeFile(join(path, 'pid'), String(process.pid))
      return () => rm(path, { recursive: true, force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (options.done && (await options.done())) return undefined
    const holder = await stale(path, options.staleAfterMs)
    if (holder === 'stale') await rm(path, { recursive: true, force: true })
    else if (Date.now() > deadline) throw new Error(`${path} is held too long (pid ${holder})`)
    else {
      if (waited % 120 === 119) options.onWait?.(holder)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

/** 'stale' when the lock can be taken over, else the live holder's pid (NaN: not written yet). */
async function stale(path: string, staleAfterMs: number): Promise<'stale' | number> {
  const holder = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => 'NaN'))
  const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs
  if (age > staleAfterMs) return 'stale'
  // A folder without its pid yet is a holder between its two steps, unless it stays that way.
  if (!Number.isInteger(holder)) return age > 5_000 ? 'stale' : holder
  try {
    process.kill(holder, 0)
    return holder
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'stale' : holder
  }
}
