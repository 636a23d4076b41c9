import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * Every peer range a package publishes is bounded above, and the lowest and the highest major it
 * admits (for 0.x, the minor: 0.45 and 0.46 may differ as much as 4 and 5) are both installed in
 * this repository and so run by its tests: a package's own devDependencies and their aliases
 * (`express4`, `pg-boss-12`), the peers pnpm installs for it, and the examples. A range wider
 * than what runs fails here, naming the versions that run.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The part of `semver` used here (its types are not installed at the root). */
interface SemVer {
  major: number
  minor: number
  patch: number
  prerelease: ReadonlyArray<string | number>
}
interface SemverRange {
  set: ReadonlyArray<ReadonlyArray<{ operator: string; semver: SemVer }>>
}
interface Semver {
  satisfies(version: string, range: string | SemverRange): boolean
  minVersion(range: SemverRange): SemVer | null
  Range: new (range: string) => SemverRange
  SemVer: new (version: string) => SemVer
}
const require = createRequire(import.meta.url)
// Not a dependency of the root: reached through changesets, which carries it.
const semver = createRequire(require.resolve('@changesets/cli/package.json'))('semver') as Semver

type Manifest = {
  name: string
  version?: string
  peerDependencies?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}
const read = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8'))
const importers = ['packages', 'examples'].flatMap((group) =>
  readdirSync(join(root, group)).map((dir) => join(root, group, dir)),
)
const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir: join(root, 'packages', dir),
  manifest: read(join(root, 'packages', dir, 'package.json')),
}))

/** Where a test can break: the major, or for 0.x the minor. */
const line = (version: SemVer): string =>
  version.major > 0 ? `${version.major}` : `0.${version.minor}`

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      return ['node_modules', 'dist', '.next'].includes(entry.name)
        ? []
        : sourceFiles(join(dir, entry.name))
    }
    return entry.isFile() && /\.[cm]?[tj]sx?$/.test(entry.name) ? [join(dir, entry.name)] : []
  })
}

/** Each installed copy of `name` in the workspace, with where it was found. */
function installed(name: string, owner: string): Array<{ version: string; where: string }> {
  const found: Array<{ version: string; where: string }> = []
  for (const importer of importers) {
    const manifest = read(join(importer, 'package.json'))
    const declared = { ...manifest.dependencies, ...manifest.devDependencies }
    const keys = Object.entries(declared)
      .filter(([key, spec]) => key === name || spec.startsWith(`npm:${name}@`))
      .map(([key]) => key)
    // pnpm installs a package's missing peers for it (next for @clerk-sync/next).
    if (importer === owner && !keys.includes(name)) keys.push(name)
    for (const key of keys) {
      const file = join(importer, 'node_modules', key, 'package.json')
      if (!existsSync(file)) continue
      if (key !== name) {
        // An alias runs only if a test imports it.
        const imported = sourceFiles(importer).some((source) =>
          readFileSync(source, 'utf8').includes(`'${key}'`),
        )
        expect(imported, `${relative(root, importer)} installs ${key} and imports it`).toBe(true)
      }
      found.push({
        version: read(file).version as string,
        where: `${relative(root, importer)}:${key}`,
      })
    }
  }
  return found
}

const peers = packages.flatMap(({ dir, manifest }) =>
  Object.entries(manifest.peerDependencies ?? {})
    .filter(([name]) => !name.startsWith('@clerk-sync/'))
    .map(([name, range]) => ({ owner: manifest.name, dir, name, range })),
)

describe('peer ranges', () => {
  it('covers the peers of the adapters, stores, queue and testing kit', () => {
    expect(peers.map(({ owner, name }) => `${owner} -> ${name}`).sort()).toMatchInlineSnapshot(`
      [
        "@clerk-sync/drizzle -> drizzle-orm",
        "@clerk-sync/express -> @clerk/express",
        "@clerk-sync/express -> express",
        "@clerk-sync/fastify -> @clerk/fastify",
        "@clerk-sync/fastify -> fastify",
        "@clerk-sync/hono -> @clerk/hono",
        "@clerk-sync/hono -> hono",
        "@clerk-sync/next -> @clerk/nextjs",
        "@clerk-sync/next -> next",
        "@clerk-sync/prisma -> @prisma/client",
        "@clerk-sync/queue-pg-boss -> pg-boss",
        "@clerk-sync/testing -> vitest",
      ]
    `)
  })

  it.each(peers)(
    '$owner -> $name $range: bounded, lowest and highest line tested',
    ({ dir, name, range }) => {
      const parsed = new semver.Range(range)
      const tested = installed(name, dir)
      expect(tested.length, `no installed ${name}`).toBeGreaterThan(0)
      const outside = tested.filter(({ version }) => !semver.satisfies(version, parsed))
      expect(outside, `installed ${name} outside ${range}`).toEqual([])
      const lines = new Set(tested.map(({ version }) => line(new semver.SemVer(version))))
      // Each `||` part on its own: `>=10.4.2 <11 || >=12.38.0 <13` tests 10 and 12, not 11.
      for (const comparators of parsed.set) {
        const upper = comparators.find(({ operator }) => operator === '<' || operator === '<=')
        expect(upper, `${range} has no upper bound`).toBeDefined()
        const lowest = semver.minVersion(new semver.Range(comparators.map(String).join(' ')))!
        let highest = upper!.semver
        if (upper!.operator === '<' && highest.patch === 0 && highest.prerelease.length <= 1) {
          // `<5.0.0-0` (how `<5` reads) and `<0.46.0`: the line just below.
          highest =
            highest.major > 0 && highest.minor === 0
              ? new semver.SemVer(`${highest.major - 1}.0.0`)
              : new semver.SemVer(`${highest.major}.${highest.minor - 1}.0`)
        }
        // `<1` above 0.x admits every 0.x minor to come: no installed version is the highest.
        const top =
          highest.major === 0 && upper!.semver.major === 1 ? '0.x (every minor)' : line(highest)
        const wanted = [...new Set([line(lowest), top])]
        expect(
          wanted.filter((want) => !lines.has(want)),
          `${name} ${range} admits ${wanted.join(' to ')}; installed: ${tested.map((t) => `${t.where}@${t.version}`).join(', ')}`,
        ).toEqual([])
      }
    },
  )
})
