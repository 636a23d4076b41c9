import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * What `changeset version` would release, read from `changeset status --output`. The packages are
 * one fixed group at 0.x, so the next release is the same minor for all. Adapters and stores peer
 * on core with `workspace:^0` (published as `^0`): a `workspace:*` peer is published as core's exact
 * version, every bump of core then leaves that range, and changesets bumps each dependent (and, by
 * the fixed group, everything) a major: the 1.0.0 this test guards against.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const published = readdirSync(join(root, 'packages')).map((dir) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'))
  return { dir, manifest }
})

interface StatusOutput {
  releases: Array<{ name: string; type: string; oldVersion: string; newVersion: string }>
}

function releasePlan(): StatusOutput {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-release-plan-'))
  try {
    const output = join(dir, 'status.json')
    execFileSync(join(root, 'node_modules/.bin/changeset'), ['status', `--output=${output}`], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return JSON.parse(readFileSync(output, 'utf8'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('release plan', () => {
  it('peers on workspace packages with a range that holds every 0.x release', () => {
    for (const { manifest } of published) {
      for (const [name, range] of Object.entries<string>(manifest.peerDependencies ?? {})) {
        if (!name.startsWith('@clerk-sync/')) continue
        expect(`${manifest.name} -> ${name}: ${range}`).toBe(
          `${manifest.name} -> ${name}: workspace:^0`,
        )
      }
    }
  })

  it('releases every package at the same next minor, none as a major', () => {
    // The examples are ignored (`.changeset/config.json`): listed, released as `none`.
    const releases = releasePlan().releases.filter((release) => release.type !== 'none')
    expect(releases.map((release) => release.name).sort()).toEqual(
      published.map(({ manifest }) => manifest.name).sort(),
    )
    for (const release of releases) {
      const [major, minor] = release.oldVersion.split('.').map(Number)
      expect(release, release.name).toMatchObject({
        type: 'minor',
        newVersion: `${major}.${minor! + 1}.0`,
      })
    }
  })
})
