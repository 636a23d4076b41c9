import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * Checks the built packages as users get them: every `exports` subpath loads under both `import`
 * and `require` in a plain Node process (no source condition), both formats export the same
 * names, every types file exists, and the export list matches the snapshot (a changed public
 * API shows up in review).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const published = [
  'core',
  'testing',
  'store-drizzle',
  'store-prisma',
  'adapter-express',
  'adapter-next',
  'adapter-hono',
  'adapter-fastify',
  'queue-pg-boss',
]
  .map((dir) => join(root, 'packages', dir))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))

type Conditions = {
  import: { types: string; default: string }
  require: { types: string; default: string }
}

function exportedNames(specifier: string, mode: 'import' | 'require'): string[] {
  const script =
    mode === 'import'
      ? `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort()))`
      : `const m = require(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()))`
  const output = execFileSync(
    process.execPath,
    [mode === 'import' ? '--input-type=module' : '--input-type=commonjs', '-e', script],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  return JSON.parse(output)
}

describe.each(published)('$manifest.name as published', ({ dir, manifest }) => {
  const subpaths = Object.entries(manifest.exports as Record<string, Conditions | string>).filter(
    (entry): entry is [string, Conditions] => typeof entry[1] === 'object',
  )

  it('declares import and require, each with types, for every subpath', () => {
    for (const [, conditions] of subpaths) {
      for (const mode of ['import', 'require'] as const) {
        expect(conditions[mode].types).toMatch(mode === 'import' ? /\.d\.ts$/ : /\.d\.cts$/)
        expect(existsSync(join(dir, conditions[mode].types))).toBe(true)
        expect(existsSync(join(dir, conditions[mode].default))).toBe(true)
      }
    }
  })

  it.each(subpaths.map(([subpath]) => subpath))(
    'exports the same names from ESM and CJS at %s',
    (subpath) => {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`
      const esm = exportedNames(specifier, 'import')
      if (specifier === '@clerk-sync/testing/conformance') {
        // vitest is ESM-only, so require() of the suite fails on purpose, naming the fix.
        expect(() => exportedNames(specifier, 'require')).toThrow(
          /Import it from a vitest test file/,
        )
      } else {
        expect(exportedNames(specifier, 'require')).toEqual(esm)
      }
      expect({ specifier, names: esm }).toMatchSnapshot()
    },
  )
})
