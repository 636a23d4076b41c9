import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import type { BackfillCheckpoint } from '@clerk-sync/core'
import { UsageError } from '../usage-error.js'

/** `.clerk-sync/backfill-checkpoint.json`, beside the config file. */
export function checkpointPath(configPath: string): string {
  return join(dirname(configPath), '.clerk-sync', 'backfill-checkpoint.json')
}

/** What the file holds: core's checkpoint, and how far the interrupted runs got (for the ETA). */
export interface CheckpointFile {
  version: 1
  savedAt: string
  /** Users scanned by every run since the backfill started. */
  scanned: number
  checkpoint: BackfillCheckpoint
}

/** The saved checkpoint, or null when there is none; a damaged file is an error, not a restart. */
export function readCheckpoint(path: string): CheckpointFile | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  // A usage error: one line and exit 2, not a stack trace.
  const damaged = new UsageError(
    `${path} is not a clerk-sync backfill checkpoint (delete it or pass --restart)`,
    'backfill',
  )
  let file: CheckpointFile
  try {
    file = JSON.parse(text) as CheckpointFile
  } catch {
    throw damaged
  }
  if (file?.version !== 1 || file.checkpoint?.version !== 1 || typeof file.scanned !== 'number') {
    throw damaged
  }
  return file
}

function fsyncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Written whole or not at all: a temporary file, fsync'd, renamed over the old one. Synchronous on
 * purpose: it runs after each committed page, and a SIGKILL a moment later must find it on disk.
 */
export function writeCheckpoint(path: string, file: CheckpointFile): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  const fd = openSync(temporary, 'w')
  try {
    writeSync(fd, `${JSON.stringify(file)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temporary, path)
  fsyncDirectory(dir)
}

export function deleteCheckpoint(path: string): void {
  rmSync(path, { force: true })
}
