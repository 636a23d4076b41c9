// Keeps the code blocks in the docs identical to regions of tested source files.
//
// In a source file, a line containing `#region <name>` opens a region and `#endregion <name>`
// closes it; the comment syntax around the marker is free (`// #region x`, `# #region x`,
// `-- #region x`). Marker lines are not part of the region, regions may nest (nested marker lines
// are stripped from the outer region's text), and the lines' common leading indentation is removed.
//
// In markdown, a line `<!-- region: <path from the repository root>#<name> -->` is followed by a
// fenced code block holding the region's exact text.
//
//   tsx scripts/docs-regions.ts --write   rewrites the blocks (pnpm docs:regions)
//   tsx scripts/docs-regions.ts --check   exits 1 and lists every stale block, missing file or
//                                         missing region
//   Either takes markdown files as arguments to limit the run to them.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const FIX_COMMAND = 'pnpm docs:regions'

const OPEN = /(?:^|[^\w#])#region\s+([A-Za-z0-9_.:/-]+)/
const CLOSE = /(?:^|[^\w#])#endregion\s+([A-Za-z0-9_.:/-]+)/
const MARKER = /^([ \t]*)<!--\s*region:\s*(\S+?)#([A-Za-z0-9_.:/-]+)\s*-->\s*$/
const FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/

export class RegionSyntaxError extends Error {}

/** Every region of a source file, by name, with marker lines removed and indentation dedented. */
export function parseRegions(text: string, file = '<source>'): Map<string, string> {
  const lines = text.split(/\r?\n/)
  const open: { name: string; line: number; body: string[] }[] = []
  const done = new Map<string, string>()
  lines.forEach((line, index) => {
    const closing = CLOSE.exec(line)
    if (closing) {
      const name = closing[1]!
      const top = open.pop()
      if (!top) {
        throw new RegionSyntaxError(
          `${file}:${index + 1}: #endregion ${name} closes no open region`,
        )
      }
      if (top.name !== name) {
        throw new RegionSyntaxError(
          `${file}:${index + 1}: #endregion ${name} does not close the innermost open region "${top.name}" (opened on line ${top.line})`,
        )
      }
      done.set(name, dedent(top.body))
      return
    }
    const opening = OPEN.exec(line)
    if (opening) {
      const name = opening[1]!
      if (done.has(name) || open.some((region) => region.name === name)) {
        throw new RegionSyntaxError(`${file}:${index + 1}: region "${name}" is defined twice`)
      }
      open.push({ name, line: index + 1, body: [] })
      return
    }
    for (const region of open) region.body.push(line)
  })
  const unclosed = open[open.length - 1]
  if (unclosed) {
    throw new RegionSyntaxError(
      `${file}:${unclosed.line}: region "${unclosed.name}" is never closed (#endregion ${unclosed.name})`,
    )
  }
  return done
}

function dedent(body: string[]): string {
  let start = 0
  let end = body.length
  while (start < end && body[start]!.trim() === '') start++
  while (end > start && body[end - 1]!.trim() === '') end--
  const lines = body.slice(start, end).map((line) => line.replace(/\s+$/, ''))
  let common: string | undefined
  for (const line of lines) {
    if (line === '') continue
    const indent = /^[ \t]*/.exec(line)![0]
    if (common === undefined) common = indent
    else {
      let i = 0
      while (i < common.length && i < indent.length && common[i] === indent[i]) i++
      common = common.slice(0, i)
    }
  }
  const cut = common?.length ?? 0
  return lines.map((line) => line.slice(cut)).join('\n')
}

const LANGUAGES: Record<string, string> = {
  ts: 'ts',
  tsx: 'tsx',
  mts: 'ts',
  cts: 'ts',
  js: 'js',
  mjs: 'js',
  cjs: 'js',
  jsx: 'jsx',
  sh: 'sh',
  bash: 'sh',
  sql: 'sql',
  prisma: 'prisma',
  env: 'sh',
  json: 'json',
  yaml: 'yaml',
  yml: 'yaml',
  toml: 'toml',
}

function languageOf(path: string): string {
  const base = path.split('/').pop() ?? ''
  if (base.startsWith('.env')) return 'sh'
  return LANGUAGES[base.split('.').pop() ?? ''] ?? ''
}

export interface Problem {
  /** The markdown file, relative to the repository root. */
  file: string
  line: number
  /** `path#name` as the marker names it. */
  region: string
  message: string
}

export interface MarkdownResult {
  text: string
  problems: Problem[]
  /** How many blocks differ from their region (already fixed in `text`). */
  stale: number
  blocks: number
}

/**
 * Brings every region block of one markdown file up to date. `readSource` returns a source file's
 * text by its path from the repository root, or undefined when it does not exist.
 */
export function updateMarkdown(
  markdown: string,
  file: string,
  readSource: (path: string) => string | undefined,
): MarkdownResult {
  const lines = markdown.split('\n')
  const out: string[] = []
  const problems: Problem[] = []
  const parsed = new Map<string, Map<string, string> | Error | undefined>()
  let stale = 0
  let blocks = 0
  let fence: { char: string; length: number } | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const fenceMatch = FENCE.exec(line)
    if (fence) {
      out.push(line)
      if (
        fenceMatch &&
        fenceMatch[2]![0] === fence.char &&
        fenceMatch[2]!.length >= fence.length &&
        fenceMatch[3]!.trim() === ''
      ) {
        fence = undefined
      }
      continue
    }
    if (fenceMatch) {
      fence = { char: fenceMatch[2]![0]!, length: fenceMatch[2]!.length }
      out.push(line)
      continue
    }
    const marker = MARKER.exec(line)
    out.push(line)
    if (!marker) continue
    blocks++
    const [, indent = '', source = '', name = ''] = marker
    const region = `${source}#${name}`
    const report = (message: string) => problems.push({ file, line: i + 1, region, message })

    // The block that follows (blank lines allowed in between).
    let j = i + 1
    while (j < lines.length && lines[j]!.trim() === '') j++
    const open = j < lines.length ? FENCE.exec(lines[j]!) : null
    let blockEnd = -1
    let lang = languageOf(source)
    if (open) {
      lang = open[3]!.trim() || lang
      const char = open[2]![0]
      for (let k = j + 1; k < lines.length; k++) {
        const close = FENCE.exec(lines[k]!)
        if (
          close &&
          close[2]![0] === char &&
          close[2]!.length >= open[2]!.length &&
          close[3]!.trim() === ''
        ) {
          blockEnd = k
          break
        }
      }
      if (blockEnd === -1) {
        report('the code block after the marker is never closed')
        continue
      }
    }

    if (!parsed.has(source)) {
      const path = resolveInside(source)
      const text = path === undefined ? undefined : readSource(source)
      let regions: Map<string, string> | Error | undefined
      try {
        regions = text === undefined ? undefined : parseRegions(text, source)
      } catch (error) {
        regions = error as Error
      }
      parsed.set(source, regions)
    }
    const regions = parsed.get(source)
    if (regions === undefined) {
      report(`names a missing file: ${source}`)
      if (open) {
        out.push(...lines.slice(i + 1, blockEnd + 1))
        i = blockEnd
      }
      continue
    }
    if (regions instanceof Error) {
      report(regions.message)
      if (open) {
        out.push(...lines.slice(i + 1, blockEnd + 1))
        i = blockEnd
      }
      continue
    }
    const content = regions.get(name)
    if (content === undefined) {
      const known = [...regions.keys()]
      report(
        `${source} has no region "${name}" (${known.length ? `it has: ${known.join(', ')}` : 'it has no regions'})`,
      )
      if (open) {
        out.push(...lines.slice(i + 1, blockEnd + 1))
        i = blockEnd
      }
      continue
    }

    const longestRun = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length))
    const ticks = '`'.repeat(Math.max(3, longestRun + 1))
    const wanted = [
      `${indent}${ticks}${lang}`,
      ...(content === '' ? [] : content.split('\n').map((l) => (l === '' ? '' : indent + l))),
      `${indent}${ticks}`,
    ]
    const current = open ? lines.slice(j, blockEnd + 1) : []
    const upToDate =
      open !== null &&
      j === i + 1 &&
      current.length === wanted.length &&
      current.every((l, k) => l === wanted[k])
    if (!upToDate) {
      stale++
      report(
        open
          ? `the code block differs from ${region}`
          : `no code block follows the marker for ${region}`,
      )
    }
    out.push(...wanted)
    if (open) i = blockEnd
  }
  return { text: out.join('\n'), problems, stale, blocks }
}

let root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function resolveInside(source: string): string | undefined {
  if (isAbsolute(source)) return undefined
  const path = resolve(root, source)
  const rel = relative(root, path)
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined
  return path
}

/** The markdown files whose region blocks are kept: docs/**, README.md, CONTRIBUTING.md, packages/*\/README.md. */
export function markdownFiles(repoRoot: string): string[] {
  const files: string[] = []
  const walk = (dir: string) => {
    if (!existsSync(join(repoRoot, dir))) return
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path)
      } else if (entry.name.endsWith('.md')) files.push(path)
    }
  }
  walk('docs')
  for (const top of ['README.md', 'CONTRIBUTING.md']) {
    if (existsSync(join(repoRoot, top))) files.push(top)
  }
  if (existsSync(join(repoRoot, 'packages'))) {
    for (const pkg of readdirSync(join(repoRoot, 'packages')).sort()) {
      const readme = `packages/${pkg}/README.md`
      if (existsSync(join(repoRoot, readme))) files.push(readme)
    }
  }
  return files.sort()
}

export interface RunResult {
  files: string[]
  blocks: number
  problems: Problem[]
  /** Markdown files rewritten (with `write`) or that would be rewritten. */
  changed: string[]
}

/** Checks (and with `write`, rewrites) every markdown file under `repoRoot`. */
export function run(
  repoRoot: string,
  options: { write: boolean; only?: readonly string[] },
): RunResult {
  const previousRoot = root
  root = resolve(repoRoot)
  try {
    const only = options.only?.map((file) => relative(root, resolve(file)))
    const files = markdownFiles(root).filter((file) => !only?.length || only.includes(file))
    const problems: Problem[] = []
    const changed: string[] = []
    let blocks = 0
    const readSource = (path: string) => {
      const full = resolveInside(path)
      if (!full || !existsSync(full) || !statSync(full).isFile()) return undefined
      return readFileSync(full, 'utf8')
    }
    for (const file of files) {
      const markdown = readFileSync(join(root, file), 'utf8')
      const result = updateMarkdown(markdown, file, readSource)
      blocks += result.blocks
      problems.push(...result.problems)
      if (result.text !== markdown) {
        changed.push(file)
        if (options.write) writeFileSync(join(root, file), result.text)
      }
    }
    return { files, blocks, problems, changed }
  } finally {
    root = previousRoot
  }
}

export function formatProblems(problems: Problem[], write: boolean): string {
  return problems
    .map((p) => {
      const fixable = /^(the code block differs|no code block follows)/.test(p.message)
      const hint = fixable
        ? write
          ? ' (rewritten)'
          : ` — run \`${FIX_COMMAND}\``
        : ' — fix the marker or the source file'
      return `${p.file}:${p.line}: ${p.region}: ${p.message}${hint}`
    })
    .join('\n')
}

function main(argv: string[]): number {
  const write = argv.includes('--write')
  if (!write && !argv.includes('--check')) {
    console.error('usage: tsx scripts/docs-regions.ts --write | --check [markdown files]')
    return 2
  }
  const only = argv.filter((arg) => !arg.startsWith('--'))
  const result = run(root, { write, only })
  const unfixable = result.problems.filter(
    (p) => !/^(the code block differs|no code block follows)/.test(p.message),
  )
  if (result.problems.length) console.error(formatProblems(result.problems, write))
  const summary = `${result.blocks} region block(s) in ${result.files.length} markdown file(s)`
  if (write) {
    console.log(
      `${summary}; rewrote ${result.changed.length ? result.changed.join(', ') : 'nothing'}`,
    )
    return unfixable.length ? 1 : 0
  }
  if (result.problems.length) {
    console.error(`${summary}; ${result.problems.length} problem(s)`)
    return 1
  }
  console.log(`${summary}; all up to date`)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2))
}
