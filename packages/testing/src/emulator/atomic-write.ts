import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Replaces `path` with `text` so that a reader (or a crash) sees the old file or the new one,
 * never half of either: a temporary file beside it, written and fsynced, then renamed over it,
 * then the folder fsynced so the rename itself survives a power cut. `mode` holds whatever the
 * umask says (the state file carries private keys: 0600).
 */
export function writeFileAtomicSync(path: string, text: string, mode = 0o600): void {
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  let fd: number | undefined = openSync(temporary, 'wx', mode)
  try {
    fchmodSync(fd, mode)
    writeFileSync(fd, text)
    fsyncSync(fd)
    closeSync(fd)
    // Closed: a failing rename must not close it again (the number may be another file's by now).
    fd = undefined
    renameSync(temporary, path)
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {}
    }
    rmSync(temporary, { force: true })
    throw error
  }
  syncFolder(dirname(path))
}

function syncFolder(folder: string): void {
  let fd: number | undefined
  try {
    fd = openSync(folder, 'r')
    fsyncSync(fd)
  } catch {
    // Windows cannot open a folder for fsync; the rename is as durable as the platform makes it.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
