import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  type CheckpointFile,
  checkpointPath,
  deleteCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../src/backfill/checkpoint-file.js'

const entry = (scanned: number): CheckpointFile => ({
  version: 1,
  savedAt: new Date(0).toISOString(),
  scanned,
  checkpoint: { version: 1, createdAt: 1_700_000_000_000 + scanned, seenAtCreatedAt: ['user_a'] },
})

describe('the backfill checkpoint file', () => {
  it('lives in .clerk-sync beside the config, replaced whole, no temporary file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-checkpoint-'))
    const path = checkpointPath(join(dir, 'clerk-sync.config.ts'))
    expect(path).toBe(join(dir, '.clerk-sync', 'backfill-checkpoint.json'))
    expect(readCheckpoint(path)).toBeNull()
    writeCheckpoint(path, entry(500))
    writeCheckpoint(path, entry(1000))
    expect(readCheckpoint(path)).toEqual(entry(1000))
    expect(readdirSync(dirname(path))).toEqual(['backfill-checkpoint.json'])
    deleteCheckpoint(path)
    expect(readCheckpoint(path)).toBeNull()
  })

  it('refuses a file that is not a checkpoint instead of starting over silently', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-checkpoint-'))
    const path = join(dir, 'backfill-checkpoint.json')
    writeFileSync(path, JSON.stringify({ version: 1, scanned: 3 }))
    expect(() => readCheckpoint(path)).toThrow(/is not a clerk-sync backfill checkpoint/)
    writeFileSync(path, '{"version":')
    expect(() => readCheckpoint(path)).toThrow(/is not a clerk-sync backfill checkpoint/)
  })
})
