// The code blocks in the docs are regions of tested files (scripts/docs-regions.ts). This test
// fails when a block is out of date or names a missing file or region; `pnpm docs:regions` fixes
// the first kind.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  FIX_COMMAND,
  formatProblems,
  markdownFiles,
  parseRegions,
  RegionSyntaxError,
  run,
  updateMarkdown,
} from '../scripts/docs-regions.js'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

describe('the docs in this repository', () => {
  it('hold every region block exactly as its source file has it', () => {
    const result = run(repoRoot, { write: false })
    expect(result.files).toContain('README.md')
    expect(
      result.problems,
      `stale or broken region blocks; \`${FIX_COMMAND}\` rewrites stale ones:\n${formatProblems(result.problems, false)}`,
    ).toEqual([])
    expect(result.changed).toEqual([])
  })
})

describe('parseRegions', () => {
  it('reads nested regions, strips nested markers and removes common indentation', () => {
    const regions = parseRegions(
      [
        'import x from "x"',
        'function f() {',
        '  // #region outer',
        '  const a = 1',
        '    // #region inner',
        '    if (a) {',
        '      call()',
        '    }',
        '    // #endregion inner',
        '',
        '  return a',
        '  // #endregion outer',
        '}',
      ].join('\n'),
    )
    expect(regions.get('outer')).toBe(
      ['const a = 1', '  if (a) {', '    call()', '  }', '', 'return a'].join('\n'),
    )
    expect(regions.get('inner')).toBe(['if (a) {', '  call()', '}'].join('\n'))
  })

  it('accepts any comment syntax around the marker', () => {
    const regions = parseRegions(
      [
        '# #region env',
        'CLERK_SECRET_KEY=sk_test_x',
        '# #endregion env',
        '-- #region sql',
        'select 1;',
        '-- #endregion sql',
        '{/* #region jsx */}',
        '<p/>',
        '{/* #endregion jsx */}',
      ].join('\r\n'),
    )
    expect(Object.fromEntries(regions)).toEqual({
      env: 'CLERK_SECRET_KEY=sk_test_x',
      sql: 'select 1;',
      jsx: '<p/>',
    })
  })

  it('rejects an unclosed region, a stray or crossed #endregion and a name used twice', () => {
    expect(() => parseRegions('// #region a\nx\n', 'f.ts')).toThrow(
      /f\.ts:1: region "a" is never closed/,
    )
    expect(() => parseRegions('x\n// #endregion a\n', 'f.ts')).toThrow(
      /f\.ts:2: #endregion a closes no open region/,
    )
    expect(() =>
      parseRegions('// #region a\n// #region b\n// #endregion a\n// #endregion b\n'),
    ).toThrow(RegionSyntaxError)
    expect(() =>
      parseRegions('// #region a\n// #endregion a\n// #region a\n// #endregion a'),
    ).toThrow(/defined twice/)
  })
})

describe('updateMarkdown and run on fixtures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-regions-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  const read = (path: string) => readFileSync(join(dir, path), 'utf8')

  put(
    'src/app.ts',
    [
      'export function app() {',
      '  // #region route',
      "  route('/api/webhooks/clerk')",
      '  // #endregion route',
      '}',
    ].join('\n'),
  )
  put('src/.env.example', '# #region env\nCLERK_SECRET_KEY=sk_test_x\n# #endregion env\n')

  it('fills an empty block, keeps the fence language and indents blocks inside list items', () => {
    const markdown = [
      '# Guide',
      '<!-- region: src/app.ts#route -->',
      '```ts',
      '```',
      '',
      '1. Set:',
      '   <!-- region: src/.env.example#env -->',
      '',
      'Text.',
      '```ts',
      '// #region route <- an example in an unrelated block is left alone',
      '<!-- region: src/missing.ts#x -->',
      '```',
    ].join('\n')
    const result = updateMarkdown(markdown, 'guide.md', (path) => {
      try {
        return readFileSync(join(dir, path), 'utf8')
      } catch {
        return undefined
      }
    })
    expect(result.text).toBe(
      [
        '# Guide',
        '<!-- region: src/app.ts#route -->',
        '```ts',
        "route('/api/webhooks/clerk')",
        '```',
        '',
        '1. Set:',
        '   <!-- region: src/.env.example#env -->',
        '   ```sh',
        '   CLERK_SECRET_KEY=sk_test_x',
        '   ```',
        '',
        'Text.',
        '```ts',
        '// #region route <- an example in an unrelated block is left alone',
        '<!-- region: src/missing.ts#x -->',
        '```',
      ].join('\n'),
    )
    expect(result.blocks).toBe(2)
    expect(result.stale).toBe(2)
    expect(result.problems.map((p) => [p.line, p.region])).toEqual([
      [2, 'src/app.ts#route'],
      [7, 'src/.env.example#env'],
    ])
  })

  it('--check lists stale blocks, missing files, missing regions and broken sources; --write fixes only the stale', () => {
    put('src/broken.ts', '// #region open\nx\n')
    put(
      'docs/guide.md',
      [
        '<!-- region: src/app.ts#route -->',
        '```ts',
        "route('/old')",
        '```',
        '<!-- region: src/gone.ts#route -->',
        '```ts',
        '```',
        '<!-- region: src/app.ts#nope -->',
        '```ts',
        '```',
        '<!-- region: src/broken.ts#open -->',
        '```ts',
        '```',
        '<!-- region: ../outside.ts#x -->',
        '```ts',
        '```',
      ].join('\n'),
    )
    put('packages/a/README.md', '<!-- region: src/app.ts#route -->\n```ts\nroute()\n```\n')
    put('packages/b/notes.md', '<!-- region: src/gone.ts#x -->\n')
    put('README.md', 'No regions.\n')
    expect(markdownFiles(dir)).toEqual(['README.md', 'docs/guide.md', 'packages/a/README.md'])

    const before = read('docs/guide.md')
    const check = run(dir, { write: false })
    expect(read('docs/guide.md')).toBe(before)
    expect(check.changed).toEqual(['docs/guide.md', 'packages/a/README.md'])
    const report = formatProblems(check.problems, false)
    expect(report).toContain(
      'docs/guide.md:1: src/app.ts#route: the code block differs from src/app.ts#route — run `pnpm docs:regions`',
    )
    expect(report).toContain(
      'docs/guide.md:5: src/gone.ts#route: names a missing file: src/gone.ts',
    )
    expect(report).toContain(
      'docs/guide.md:8: src/app.ts#nope: src/app.ts has no region "nope" (it has: route)',
    )
    expect(report).toContain(
      'docs/guide.md:11: src/broken.ts#open: src/broken.ts:1: region "open" is never closed',
    )
    expect(report).toContain('docs/guide.md:14: ../outside.ts#x: names a missing file')
    expect(report).toContain('packages/a/README.md:1: src/app.ts#route: the code block differs')
    expect(check.problems).toHaveLength(6)

    const write = run(dir, { write: true })
    expect(write.changed).toEqual(['docs/guide.md', 'packages/a/README.md'])
    expect(read('packages/a/README.md')).toBe(
      "<!-- region: src/app.ts#route -->\n```ts\nroute('/api/webhooks/clerk')\n```\n",
    )
    const after = run(dir, { write: false })
    expect(after.changed).toEqual([])
    expect(after.problems.map((p) => p.line)).toEqual([5, 8, 11, 14])
  })

  it('limits a run to the files named', () => {
    put('docs/other.md', '<!-- region: src/app.ts#route -->\n')
    const only = run(dir, { write: true, only: [join(dir, 'README.md')] })
    expect(only.files).toEqual(['README.md'])
    expect(read('docs/other.md')).toBe('<!-- region: src/app.ts#route -->\n')
    expect(run(dir, { write: false }).changed).toEqual(['docs/other.md'])
  })
})
