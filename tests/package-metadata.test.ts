import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * What npm shows beside a package's README, so its links work off GitHub: where the source is
 * (with the package's folder), its home and where to report bugs, plus the fields every package
 * here promises (Node range, no side effects, the files it ships).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const REPOSITORY = 'git+https://github.com/clerk-sync/clerk-sync.git'
const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
}))

describe.each(packages)('$manifest.name package.json', ({ dir, manifest }) => {
  it('names its repository, folder, homepage and issue tracker', () => {
    expect(manifest.repository).toEqual({
      type: 'git',
      url: REPOSITORY,
      directory: `packages/${dir}`,
    })
    expect(manifest.homepage).toBe(
      `https://github.com/clerk-sync/clerk-sync/tree/main/packages/${dir}#readme`,
    )
    expect(manifest.bugs).toEqual({ url: 'https://github.com/clerk-sync/clerk-sync/issues' })
  })

  it('declares its license, keywords, engines, side effects and files', () => {
    expect(manifest.license).toBe('MIT')
    expect(manifest.keywords?.length).toBeGreaterThan(0)
    expect(manifest.engines?.node).toBe('>=20.19')
    expect(manifest.files).toEqual(expect.arrayContaining(['dist']))
    if (dir !== 'cli') expect(manifest.sideEffects).toBe(false)
  })
})
