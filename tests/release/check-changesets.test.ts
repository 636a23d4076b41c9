import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { BaseNotFound, checkChangesets, formatReport } from '../../scripts/check-changesets.js'

/**
 * scripts/check-changesets.ts against a real git repository built here: commits that change a
 * package with and without a changeset, test-only changes, a release tag, the `[no changeset]`
 * marker and a later changeset that covers an earlier commit.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const repos: string[] = []

afterEach(() => {
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
}

function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-changesets-'))
  repos.push(dir)
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim()
  git('init', '-q', '-b', 'main')
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
  }
  /** Writes the files and commits them with the message; resolves the commit's hash. */
  const commit = (message: string, files: Record<string, string>) => {
    write(files)
    git('add', '-A')
    git('commit', '-q', '-m', message)
    return git('rev-parse', 'HEAD')
  }
  commit('workspace', {
    'package.json': '{"private":true}\n',
    '.changeset/config.json': '{}\n',
    '.changeset/README.md': 'changesets\n',
    'packages/core/package.json': '{"name":"@clerk-sync/core","version":"0.0.0"}\n',
    'packages/cli/package.json': '{"name":"clerk-sync","version":"0.0.0"}\n',
  })
  return { dir, git, commit }
}

const changeset = (name: string, body = 'A change.') => `---\n"${name}": patch\n---\n\n${body}\n`

describe('check-changesets', () => {
  it('passes commits that change a package with a changeset, only tests, or nothing shipped', () => {
    const { dir, commit } = repo()
    const base = commit('docs', { 'docs/setup.md': 'steps\n' })
    commit('core: a change', {
      'packages/core/src/index.ts': 'export const a = 1\n',
      '.changeset/a.md': changeset('@clerk-sync/core'),
    })
    commit('core tests', { 'packages/core/test/a.test.ts': 'test\n' })
    commit('ci', { '.ci/run': 'echo\n' })
    commit('edits a pending changeset', {
      'packages/cli/src/index.ts': 'export {}\n',
      '.changeset/a.md': changeset('clerk-sync'),
    })
    const result = checkChangesets({ cwd: dir, base })
    expect(result).toMatchObject({ base, baseSource: 'option', checked: 4, offences: [] })
    expect(formatReport(dir, result)).toContain('Every commit that changes a package carries')
  })

  it('names each commit that changes a package without a changeset, with the fix', () => {
    const { dir, commit } = repo()
    const base = commit('docs', { 'docs/setup.md': 'steps\n' })
    const src = commit('core: forgot', { 'packages/core/src/index.ts': 'export const a = 1\n' })
    commit('fine', {
      'packages/core/src/index.ts': 'export const a = 2\n',
      '.changeset/b.md': changeset('@clerk-sync/core'),
    })
    // A README ships to npm; only a changeset's README.md or config.json does not count.
    const readme = commit('cli README', {
      'packages/cli/README.md': 'readme\n',
      '.changeset/README.md': 'changed\n',
      '.changeset/config.json': '{"x":1}\n',
    })
    const result = checkChangesets({ cwd: dir, env: { CHANGESET_BASE: base } })
    expect(result.baseSource).toBe('env')
    expect(result.offences.map((o) => [o.hash, o.packages])).toEqual([
      [src, ['packages/core']],
      [readme, ['packages/cli']],
    ])
    const report = formatReport(dir, result)
    expect(report).toContain(`✗ ${src.slice(0, 12)} core: forgot`)
    expect(report).toContain('changes clerk-sync (packages/cli)')
    expect(report).toContain('pnpm changeset (naming @clerk-sync/core)')
    expect(report).toContain(`<!-- covers: ${readme.slice(0, 12)} -->`)
  })

  it('starts after the newest release tag', () => {
    const { dir, git, commit } = repo()
    commit('old, before the release', { 'packages/core/src/a.ts': 'a\n' })
    const tagged = commit('Version Packages', {
      'packages/core/package.json': '{"name":"@clerk-sync/core","version":"0.1.0"}\n',
    })
    git('tag', '@clerk-sync/core@0.1.0')
    git('tag', 'clerk-sync@0.1.0')
    const after = commit('core: after the release', { 'packages/core/src/b.ts': 'b\n' })
    const result = checkChangesets({ cwd: dir, env: {} })
    expect(result).toMatchObject({ base: tagged, baseSource: 'tag', checked: 1 })
    expect(result.offences.map((o) => o.hash)).toEqual([after])
    // An older `v*` tag does not win over the newer package tag.
    git('tag', 'v0.0.1', `${tagged}~1`)
    expect(checkChangesets({ cwd: dir, env: {} }).base).toBe(tagged)
  })

  it('checks the whole history of a repository with neither tag nor enforced base', () => {
    const { dir, git, commit } = repo()
    const workspace = git('rev-parse', 'HEAD')
    const first = commit('core', { 'packages/core/src/a.ts': 'a\n' })
    const result = checkChangesets({ cwd: dir, env: {} })
    expect(result).toMatchObject({ base: undefined, baseSource: 'root', checked: 2 })
    // The first commit adds the packages' manifests without a changeset: flagged too.
    expect(result.offences.map((o) => o.hash)).toEqual([workspace, first])
  })

  it('accepts [no changeset] with a reason, not without one', () => {
    const { dir, commit } = repo()
    const base = commit('docs', { 'docs/a.md': 'a\n' })
    commit('core: rename a local\n\n[no changeset] internal rename, nothing users see', {
      'packages/core/src/a.ts': 'a\n',
    })
    commit('[No changeset]: tsconfig only', { 'packages/core/tsconfig.json': '{}\n' })
    const bare = commit('core: something\n\n[no changeset]', { 'packages/core/src/b.ts': 'b\n' })
    const result = checkChangesets({ cwd: dir, base })
    expect(result.offences).toEqual([
      expect.objectContaining({ hash: bare, markerWithoutReason: true }),
    ])
    expect(formatReport(dir, result)).toContain('[no changeset] but no reason')
  })

  it('accepts a later changeset that covers an earlier commit, and a version commit', () => {
    const { dir, git, commit } = repo()
    const base = commit('docs', { 'docs/a.md': 'a\n' })
    const missed = commit('core: missed', { 'packages/core/src/a.ts': 'a\n' })
    commit('changeset for the missed commit', {
      '.changeset/missed.md': changeset(
        '@clerk-sync/core',
        `A fix.\n\n<!-- covers: ${missed.slice(0, 7)} -->`,
      ),
    })
    git('rm', '-q', '.changeset/missed.md')
    commit('Version Packages', {
      'packages/core/package.json': '{"name":"@clerk-sync/core","version":"0.1.0"}\n',
      'packages/core/CHANGELOG.md': '# 0.1.0\n',
    })
    expect(checkChangesets({ cwd: dir, base }).offences).toEqual([])
  })

  it('refuses a base that is not a commit', () => {
    const { dir } = repo()
    expect(() => checkChangesets({ cwd: dir, base: 'no-such-rev' })).toThrow(
      new BaseNotFound('the base no-such-rev is not a commit in this repository'),
    )
  })

  it('exits 1 from the command line naming the commit, 0 once the range is clean', () => {
    const { dir, commit } = repo()
    const base = commit('docs', { 'docs/a.md': 'a\n' })
    const bad = commit('core: no changeset', { 'packages/core/src/a.ts': 'a\n' })
    const cli = (env: NodeJS.ProcessEnv) =>
      spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/check-changesets.ts')], {
        cwd: dir,
        env: { ...gitEnv, ...env },
        encoding: 'utf8',
      })
    const failed = cli({ CHANGESET_BASE: base })
    expect(failed.stderr).toContain(`✗ ${bad.slice(0, 12)} core: no changeset`)
    expect(failed.status).toBe(1)
    const passed = cli({ CHANGESET_BASE: bad })
    expect(passed.stdout).toContain('0 commit(s) since')
    expect(passed.status).toBe(0)
  }, 60_000)
})
