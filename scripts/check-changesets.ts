/**
 * Every commit since the last release that changes what a package ships carries a changeset.
 *
 * Usage: `tsx scripts/check-changesets.ts [--base <rev>]` (or `CHANGESET_BASE=<rev>`). Exits 1 and
 * names each offending commit with its fix; exits 2 when the range cannot be found.
 *
 * The range is `<base>..HEAD` without merge commits (a merge's changes are its parents'). The base:
 * 1. `--base <rev>`, else `$CHANGESET_BASE`;
 * 2. else the nearest release tag reachable from HEAD: `@clerk-sync/<name>@x.y.z`, `clerk-sync@x.y.z`
 *    (what `changeset publish` tags) or `v*`;
 * 3. else {@link ENFORCED_AFTER}, the commit after which the rule holds (the history before it was
 *    written without the rule and is not checked);
 * whichever of 2 and 3 is newer. A repository holding neither (a fresh one) is checked whole; a
 * shallow clone without its base is refused, since its oldest commits would be checked by mistake.
 *
 * A commit changes a package when it touches a file under `packages/<dir>/` other than
 * `packages/<dir>/test/**`: tests ship nothing, everything else either ships (src, README.md,
 * package.json, migrations) or shapes what ships (tsup.config.ts, tsconfig.json, scripts).
 *
 * It carries a changeset when it adds, changes or deletes a `.changeset/*.md` other than README.md
 * (deleting is `changeset version` consuming them), or when its message holds `[no changeset]`
 * followed by a reason on the same line, or when a later commit in the range adds a changeset
 * holding `<!-- covers: <hash> -->` with at least 7 characters of its hash (the fix for a commit
 * that is already pushed).
 */
import { execFileSync } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** HEAD of main when the check was introduced (issue 16); commits after it are checked. */
export const ENFORCED_AFTER = 'cc447728fba72db2b55e6566dba374695ebbca39'

/** `git describe --match` patterns for release tags. */
export const RELEASE_TAG_PATTERNS = ['@clerk-sync/*@*', 'clerk-sync@*', 'v[0-9]*']

export interface Offence {
  hash: string
  subject: string
  /** The package folders the commit changes, e.g. `packages/core`. */
  packages: string[]
  /** Set when the message has `[no changeset]` without a reason. */
  markerWithoutReason: boolean
}

export interface CheckResult {
  base: string | undefined
  /** Where the base came from. */
  baseSource: 'option' | 'env' | 'tag' | 'enforced-after' | 'root'
  checked: number
  offences: Offence[]
}

export interface CheckOptions {
  cwd: string
  base?: string | undefined
  env?: NodeJS.ProcessEnv
}

export class BaseNotFound extends Error {}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  })
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args).trim()
  } catch {
    return undefined
  }
}

function isAncestor(cwd: string, ancestor: string, of: string): boolean {
  try {
    git(cwd, ['merge-base', '--is-ancestor', ancestor, of])
    return true
  } catch {
    return false
  }
}

function resolveBase(options: CheckOptions): Pick<CheckResult, 'base' | 'baseSource'> {
  const { cwd } = options
  const env = options.env ?? process.env
  const given = options.base ?? env.CHANGESET_BASE
  if (given) {
    const base = tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${given}^{commit}`])
    if (!base) throw new BaseNotFound(`the base ${given} is not a commit in this repository`)
    return { base, baseSource: options.base ? 'option' : 'env' }
  }
  const tag = tryGit(cwd, [
    'describe',
    '--tags',
    '--abbrev=0',
    ...RELEASE_TAG_PATTERNS.flatMap((pattern) => ['--match', pattern]),
    'HEAD',
  ])
  const tagged = tag ? git(cwd, ['rev-parse', `${tag}^{commit}`]).trim() : undefined
  const enforced =
    tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ENFORCED_AFTER}^{commit}`]) &&
    isAncestor(cwd, ENFORCED_AFTER, 'HEAD')
      ? ENFORCED_AFTER
      : undefined
  if (tagged && (!enforced || isAncestor(cwd, enforced, tagged))) {
    return { base: tagged, baseSource: 'tag' }
  }
  if (enforced) return { base: enforced, baseSource: 'enforced-after' }
  if (tryGit(cwd, ['rev-parse', '--is-shallow-repository']) === 'true') {
    throw new BaseNotFound(
      `this is a shallow clone without a release tag or ${ENFORCED_AFTER.slice(0, 12)}: fetch the history (git fetch --unshallow --tags) or set CHANGESET_BASE`,
    )
  }
  return { base: undefined, baseSource: 'root' }
}

/** The package folder a path ships from, or undefined for paths that ship nothing. */
export function shippedPackage(path: string): string | undefined {
  const match = /^packages\/([^/]+)\/(.+)$/.exec(path)
  if (!match) return undefined
  if (match[2]!.startsWith('test/')) return undefined
  return `packages/${match[1]}`
}

function isChangeset(path: string): boolean {
  return /^\.changeset\/[^/]+\.md$/.test(path) && path !== '.changeset/README.md'
}

const MARKER = /\[no changeset\]([^\n]*)/i
const COVERS = /<!--\s*covers:\s*([0-9a-f]{7,40})\s*-->/gi

export function checkChangesets(options: CheckOptions): CheckResult {
  const { cwd } = options
  const { base, baseSource } = resolveBase(options)
  const range = base ? `${base}..HEAD` : 'HEAD'
  // One `git log` for the whole range: per commit a header line, then its changed paths.
  const log = git(cwd, [
    // Paths as they are: quoted ones (non-ASCII) would escape the packages/ match.
    '-c',
    'core.quotePath=false',
    'log',
    '--no-merges',
    '--no-renames',
    '--name-status',
    '--format=%x00%H%x01%B%x01',
    range,
  ])
  const commits = log
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const [hash, message, files] = entry.split('\x01') as [string, string, string]
      const changes = files
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [status, path] = line.split('\t') as [string, string]
          return { status, path }
        })
      return { hash, message, changes }
    })

  const covered = new Set<string>()
  for (const commit of commits) {
    for (const { status, path } of commit.changes) {
      if (!isChangeset(path) || status === 'D') continue
      const text = git(cwd, ['show', `${commit.hash}:${path}`])
      for (const match of text.matchAll(COVERS)) covered.add(match[1]!.toLowerCase())
    }
  }

  const offences: Offence[] = []
  for (const commit of commits) {
    const packages = [
      ...new Set(
        commit.changes.map(({ path }) => shippedPackage(path)).filter((p) => p !== undefined),
      ),
    ].sort()
    if (packages.length === 0) continue
    if (commit.changes.some(({ path }) => isChangeset(path))) continue
    const marker = MARKER.exec(commit.message)
    const reason = marker?.[1]?.replace(/^[\s:–—-]+/, '').trim() ?? ''
    if (marker && reason.length >= 3) continue
    if ([...covered].some((prefix) => commit.hash.startsWith(prefix))) continue
    offences.push({
      hash: commit.hash,
      subject: commit.message.split('\n')[0]!,
      packages,
      markerWithoutReason: marker !== null,
    })
  }
  // git log lists newest first; report oldest first, as they were made.
  offences.reverse()
  return { base, baseSource, checked: commits.length, offences }
}

/** The package names (from each package.json at HEAD) for the folders, for the fix text. */
function packageNames(cwd: string, folders: string[]): string[] {
  return folders.map((folder) => {
    const text = tryGit(cwd, ['show', `HEAD:${folder}/package.json`])
    try {
      return text ? (JSON.parse(text).name as string) : folder
    } catch {
      return folder
    }
  })
}

export function formatReport(cwd: string, result: CheckResult): string {
  const from = result.base
    ? `${result.base.slice(0, 12)} (${result.baseSource})`
    : 'the first commit (no release tag, no enforced base in this repository)'
  const lines = [`check-changesets: ${result.checked} commit(s) since ${from}`]
  if (result.offences.length === 0) {
    lines.push('Every commit that changes a package carries a changeset.')
    return lines.join('\n')
  }
  lines.push(`${result.offences.length} commit(s) change a package without a changeset:`, '')
  for (const offence of result.offences) {
    const short = offence.hash.slice(0, 12)
    const names = packageNames(cwd, offence.packages)
    lines.push(`✗ ${short} ${offence.subject}`)
    lines.push(`  changes ${names.join(', ')} (${offence.packages.join(', ')})`)
    if (offence.markerWithoutReason) {
      lines.push('  its message has [no changeset] but no reason after it on the same line')
    }
    lines.push(
      `  fix, if the commit is not pushed yet: pnpm changeset (naming ${names.join(', ')}), then`,
      '    git commit --amend -- .changeset (the newest commit), or an interactive rebase for an older one;',
      `  if it is pushed: a new commit adding a changeset for it that holds <!-- covers: ${short} -->;`,
      '  if it ships nothing users see: reword it with "[no changeset] <reason>" (unpushed only).',
      '',
    )
  }
  return lines.join('\n').trimEnd()
}

function main(argv: string[]): number {
  const at = argv.indexOf('--base')
  const base = at >= 0 ? argv[at + 1] : undefined
  if (at >= 0 && !base) {
    console.error('check-changesets: --base needs a revision')
    return 2
  }
  const cwd = git(process.cwd(), ['rev-parse', '--show-toplevel']).trim()
  try {
    const result = checkChangesets({ cwd, base })
    const report = formatReport(cwd, result)
    if (result.offences.length > 0) {
      console.error(report)
      return 1
    }
    console.log(report)
    return 0
  } catch (error) {
    if (error instanceof BaseNotFound) {
      console.error(`check-changesets: ${error.message}`)
      return 2
    }
    throw error
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2))
}
