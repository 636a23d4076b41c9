import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * What npm shows beside a package's README, so its links work off GitHub: where the source is
 * (with the package's folder), its home and where to report bugs, plus the fields every package
 * here promises: keywords, the Node range it runs on (no wider than what its dependencies accept),
 * `sideEffects: false` (checked on the built entry points), and the files it ships (no tests; every
 * source map resolves).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
// Not dependencies of the root: reached through the tools that already carry them.
const semver = createRequire(require.resolve('@changesets/cli/package.json'))('semver') as {
  satisfies(version: string, range: string): boolean
}
const esbuild = createRequire(require.resolve('tsup'))('esbuild') as {
  build(options: object): Promise<{ outputFiles: Array<{ text: string }> }>
}

const REPOSITORY = 'git+https://github.com/clerk-sync/clerk-sync.git'
const packages = readdirSync(join(root, 'packages')).map((dir) => ({
  dir,
  manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
}))

/** Node's own range where a dependency asks for more than 20.19 (Prisma 7 skips 21 and early 22). */
const ENGINES: Record<string, string> = { 'store-prisma': '^20.19 || ^22.12 || >=24.0' }
/**
 * What ships besides dist: `src` because the source maps in dist point at `../src/*.ts` and the
 * `@clerk-sync/source` export condition names src files; the stores' migrations and Prisma schema
 * fragment are read by users. The CLI is a bin: dist only (its map embeds its sources).
 */
const FILES: Record<string, string[]> = {
  cli: ['dist'],
  'store-drizzle': ['dist', 'src', 'migrations'],
  'store-prisma': ['dist', 'src', 'prisma', 'migrations'],
}
/** Node versions a range is probed at: the first of each line the dependencies draw lines at. */
const NODE_PROBES = [
  '20.19.0',
  '21.0.0',
  '22.0.0',
  '22.11.0',
  '22.12.0',
  '23.0.0',
  '24.0.0',
  '26.0.0',
]

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
}

function installedManifest(
  dir: string,
  name: string,
): { version: string; engines?: { node?: string } } {
  return JSON.parse(
    readFileSync(join(root, 'packages', dir, 'node_modules', name, 'package.json'), 'utf8'),
  )
}

describe.each(packages)('$manifest.name package.json', ({ dir, manifest }) => {
  const packageDir = join(root, 'packages', dir)

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

  it('declares its license, ships the license text, and has keywords', () => {
    expect(manifest.license).toBe('MIT')
    // npm packs a LICENSE from the package's folder whatever `files` says.
    expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    )
    expect(manifest.keywords).toEqual(expect.arrayContaining(['clerk']))
    expect(new Set(manifest.keywords).size).toBe(manifest.keywords.length)
  })

  it('declares a Node range that every dependency it needs accepts', () => {
    const range: string = manifest.engines?.node
    expect(range).toBe(ENGINES[dir] ?? '>=20.19')
    const admitted = NODE_PROBES.filter((version) => semver.satisfies(version, range))
    expect(admitted).toContain('20.19.0')
    const optional = manifest.peerDependenciesMeta ?? {}
    const needs: Array<[string, string[]]> = [
      ...Object.keys(manifest.dependencies ?? {}).map((name): [string, string[]] => [name, [name]]),
      ...Object.keys(manifest.peerDependencies ?? {})
        .filter((name) => !optional[name]?.optional && !name.startsWith('@clerk-sync/'))
        // A peer tested at several majors (pg-boss 10 and 12): one of them must run everywhere.
        .map((name): [string, string[]] => [
          name,
          Object.entries<string>(manifest.devDependencies ?? {})
            .filter(([key, spec]) => key === name || spec.startsWith(`npm:${name}@`))
            .map(([key]) => key),
        ]),
    ]
    for (const [name, installs] of needs) {
      if (name.startsWith('@clerk-sync/')) continue
      const accepted = installs.some((key) => {
        const theirs = installedManifest(dir, key).engines?.node
        return !theirs || admitted.every((version) => semver.satisfies(version, theirs))
      })
      expect(accepted, `${name} (${installs.join(', ')}) rejects a Node version in ${range}`).toBe(
        true,
      )
    }
  })

  it('ships dist and only the files its users read, with no tests and no dangling source maps', () => {
    expect(manifest.files).toEqual(FILES[dir] ?? ['dist', 'src'])
    const shipped = (manifest.files as string[]).flatMap((entry) => {
      expect(existsSync(join(packageDir, entry)), entry).toBe(true)
      return filesUnder(join(packageDir, entry))
    })
    expect(shipped.filter((file) => /\.(test|spec)\.[cm]?[jt]sx?$|__tests__/.test(file))).toEqual(
      [],
    )
    const maps = shipped.filter((file) => file.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(0)
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, 'utf8'))
      sources.forEach((source: string, i: number) => {
        const file = resolve(dirname(map), source)
        const reachable = shipped.includes(file) || typeof sourcesContent?.[i] === 'string'
        expect(reachable, `${map} -> ${source}`).toBe(true)
      })
    }
  })

  it('has no side effects on import: each built ESM entry tree-shakes to plain constants', async () => {
    if (dir === 'cli') {
      // A program, not a library: nothing to import but its manifest, no claim to make.
      expect(manifest.sideEffects).toBeUndefined()
      expect(Object.keys(manifest.exports)).toEqual(['./package.json'])
      expect(manifest.bin).toEqual({ 'clerk-sync': './dist/cli.js' })
      return
    }
    expect(manifest.sideEffects).toBe(false)
    // Bundled as if `sideEffects` were absent, so esbuild keeps every top-level statement it
    // cannot prove pure. What is left must not touch the process or global state.
    const copy = mkdtempSync(join(tmpdir(), 'clerk-sync-side-effects-'))
    try {
      writeFileSync(join(copy, 'package.json'), '{"type":"module"}')
      cpSync(join(packageDir, 'dist'), join(copy, 'dist'), { recursive: true })
      const entries = Object.values<{ import: { default: string } } | string>(manifest.exports)
        .filter((target) => typeof target !== 'string')
        .map((target) => target.import.default)
      expect(entries.length).toBeGreaterThan(0)
      for (const entry of entries) {
        const result = await esbuild.build({
          stdin: { contents: `import ${JSON.stringify(entry)}`, resolveDir: copy },
          bundle: true,
          write: false,
          format: 'esm',
          platform: 'node',
          packages: 'external',
          logLevel: 'silent',
        })
        const kept = result.outputFiles[0]!.text
        expect(
          kept.match(
            /process\.(on|once|addListener|prependListener|env\.\w+\s*=)|globalThis\.[\w$]+\s*=|global\.[\w$]+\s*=|setInterval\(|setTimeout\(|Error\.prepareStackTrace|require\.extensions|\.register\(|console\.\w+\(/g,
          ) ?? [],
          `${manifest.name} ${entry}`,
        ).toEqual([])
      }
    } finally {
      rmSync(copy, { recursive: true, force: true })
    }
  })
})
