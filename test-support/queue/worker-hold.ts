/**
 * A test's hold on one user's queued events inside a worker process, through files in a folder
 * both sides know (QUEUE_HOLD_DIR), so the test can SIGKILL the worker at a chosen point of a job:
 * - `before-write`: in `mapUser`, before anything is written;
 * - `after-write`: in `onEvent`, after the write committed and before the job is marked done.
 * While `<dir>/<point>-<userId>` exists, a worker reaching that point writes its pid to
 * `<dir>/entered-<point>-<userId>` and waits.
 */
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export type HoldPoint = 'before-write' | 'after-write'

const POLL_MS = 25
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const holdFile = (dir: string, point: HoldPoint, userId: string) => join(dir, `${point}-${userId}`)
const enteredFile = (dir: string, point: HoldPoint, userId: string) =>
  join(dir, `entered-${point}-${userId}`)

/** Worker side: waits while the test holds `userId` at `point`; returns at once otherwise. */
export async function waitWhileHeld(
  dir: string | undefined,
  point: HoldPoint,
  userId: string,
): Promise<void> {
  if (!dir || !existsSync(holdFile(dir, point, userId))) return
  await writeFile(enteredFile(dir, point, userId), String(process.pid))
  while (existsSync(holdFile(dir, point, userId))) await sleep(POLL_MS)
}

/** Test side: holds `userId`'s next event at `point` until `release()`. */
export async function holdUser(dir: string, point: HoldPoint, userId: string) {
  await writeFile(holdFile(dir, point, userId), '')
  return {
    /** Resolves with the pid of the worker that reached the hold. */
    async entered(timeoutMs = 15_000): Promise<number> {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        const pid = await readFile(enteredFile(dir, point, userId), 'utf8').catch(() => '')
        if (pid) return Number(pid)
        await sleep(POLL_MS)
      }
      throw new Error(`no worker reached the ${point} hold of ${userId} within ${timeoutMs} ms`)
    },
    async release(): Promise<void> {
      await rm(holdFile(dir, point, userId), { force: true })
      await rm(enteredFile(dir, point, userId), { force: true })
    },
  }
}
