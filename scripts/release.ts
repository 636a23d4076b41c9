/**
 * `pnpm release`: builds, checks and publishes the packages, each only after the workspace
 * packages it depends on (core before the adapters, stores, testing kit and CLI).
 *
 * `changeset publish` is not used for the publishing itself: it publishes every unpublished package
 * at once (`Promise.all` over a queue of 10 in @changesets/cli 2.31.1, no dependency order), so an
 * adapter could reach the registry before the core it needs, or without it when core's publish
 * fails. Here the steps are, each stopping the release when it fails:
 * 1. no changeset is pending (`changeset version` has consumed them all, so the versions are final);
 * 2. `pnpm build`, then `pnpm check:packages` (publint, attw): nothing is published when either fails;
 * 3. the public packages in dependency order (dependencies, peer and optional dependencies inside
 *    the workspace), each with `pnpm publish` (which turns `workspace:` ranges into versions); a
 *    version the registry already holds is skipped, so a release stopped half way can be rerun;
 *    the first failure stops the release, so no package is published before what it depends on;
 * 4. a git tag `<name>@<version>` per published package, as `changeset publish` would make
 *    (`--no-git-tag` leaves them out).
 *
 * Options: `--registry <url>` (else npm's configured registry), `--no-git-tag`, `--dry-run`
 * (prints the order and the registry, publishes nothing).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** No child may hold a release (or CI's dry run) forever: a build, a publish, a registry query. */
const CHILD_LIMIT = { timeout: 15 * 60_000, killSignal: 'SIGKILL' as const }

export interface WorkspacePackage {
  name: string
  version: string
  dir: string
  private: boolean
  /** Workspace packages this one depends on (dependencies, peer and optional dependencies). */
  needs: string[]
}

export function workspacePackages(root: string): WorkspacePackage[] {
  const dirs = readdirSync(join(root, 'packages')).filter((dir) =>
    existsSync(join(root, 'packages', dir, 'package.json')),
  )
  const manifests = dirs.map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  const names = new Set(manifests.map(({ manifest }) => manifest.name as string))
  return manifests.map(({ dir, manifest }) => ({
    name: manifest.name,
    version: manifest.version,
    dir,
    private: manifest.private === true,
    needs: [
      ...new Set(
        ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((field) =>
          Object.keys(manifest[field] ?? {}).filter((name) => names.has(name)),
        ),
      ),
    ].sort(),
  }))
}

/**
 * The packages ordered so each comes after every workspace package it needs; ties by name, so the
 * order is the same on every run. Throws on a cycle, naming it.
 */
export function publishOrder(packages: WorkspacePackage[]): WorkspacePackage[] {
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]))
  const order: WorkspacePackage[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (pkg: WorkspacePackage, path: string[]) => {
    if (state.get(pkg.name) === 'done') return
    if (state.get(pkg.name) === 'visiting') {
      throw new Error(`dependency cycle: ${[...path, pkg.name].join(' -> ')}`)
    }
    state.set(pkg.name, 'visiting')
    for (const need of pkg.needs) visit(byName.get(need)!, [...path, pkg.name])
    state.set(pkg.name, 'done')
    order.push(pkg)
  }
  for (const pkg of [...packages].sort((a, b) => a.name.localeCompare(b.name))) visit(pkg, [])
  return order
}

/** `.changeset/*.md` files `changeset version` has not consumed yet. */
export function pendingChangesets(root: string): string[] {
  return readdirSync(join(root, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  )
}

export interface Options {
  registry: string | undefined
  gitTag: boolean
  dryRun: boolean
  /**
   * API only (the release dry run's `--prebuilt`): skip build and package checks because the caller
   * copied a dist that `pnpm check:packages` already passed. The command line always builds.
   */
  prebuilt?: boolean
  /** The environment for npm and pnpm; default this process's. */
  env?: NodeJS.ProcessEnv
}

function parse(argv: string[]): Options {
  const options: Options = { registry: undefined, gitTag: true, dryRun: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--registry') options.registry = argv[++i]
    else if (arg.startsWith('--registry=')) options.registry = arg.slice('--registry='.length)
    else if (arg === '--no-git-tag') options.gitTag = false
    else if (arg === '--dry-run') options.dryRun = true
    else throw new Error(`unknown option ${arg} (--registry <url>, --no-git-tag, --dry-run)`)
  }
  if (argv.includes('--registry') && !options.registry) throw new Error('--registry needs a URL')
  return options
}

function step(
  title: string,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): void {
  console.log(`\n▶ ${title}: ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit', ...CHILD_LIMIT })
  if (result.status !== 0) {
    throw new Error(`${title} failed (${command} ${args.join(' ')}); nothing was published`)
  }
}

/** Whether the registry already holds name@version (`npm view` prints the version, else nothing). */
function published(pkg: WorkspacePackage, registry: string, env: NodeJS.ProcessEnv): boolean {
  const result = spawnSync(
    'npm',
    ['view', `${pkg.name}@${pkg.version}`, 'version', '--registry', registry],
    { cwd: pkg.dir, env, encoding: 'utf8', ...CHILD_LIMIT },
  )
  if (result.status === 0) return result.stdout.trim() === pkg.version
  if (/E404|404 Not Found/.test(result.stderr)) return false
  throw new Error(`npm view ${pkg.name}@${pkg.version} failed: ${result.stderr.trim()}`)
}

/** Publishes; resolves the packages it published, in order (none for `dryRun`). */
export function release(root: string, options: Options): WorkspacePackage[] {
  const env = options.env ?? process.env
  const registry =
    options.registry ??
    execFileSync('npm', ['config', 'get', 'registry'], {
      cwd: root,
      env,
      encoding: 'utf8',
      ...CHILD_LIMIT,
    }).trim()
  const order = publishOrder(workspacePackages(root)).filter((pkg) => !pkg.private)
  console.log(`Registry: ${registry}`)
  console.log(`Order: ${order.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')}`)
  if (options.dryRun) return []

  const pending = pendingChangesets(root)
  if (pending.length > 0) {
    throw new Error(
      `${pending.length} changeset(s) not yet applied (${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''}): run pnpm changeset version and commit first; nothing was published`,
    )
  }
  if (options.prebuilt) {
    console.log('\nBuild and package checks skipped: the caller checked this dist (prebuilt).')
  } else {
    step('build', 'pnpm', ['build'], root, env)
    step('package checks', 'pnpm', ['check:packages'], root, env)
  }

  const done: WorkspacePackage[] = []
  for (const pkg of order) {
    if (published(pkg, registry, env)) {
      console.log(`\n= ${pkg.name}@${pkg.version} is already on ${registry}: skipped`)
      continue
    }
    console.log(`\n▶ publish ${pkg.name}@${pkg.version}`)
    const result = spawnSync(
      'pnpm',
      ['publish', '--access', 'public', '--no-git-checks', '--registry', registry],
      { cwd: pkg.dir, env, stdio: 'inherit', ...CHILD_LIMIT },
    )
    if (result.status !== 0) {
      const left = order.slice(order.indexOf(pkg)).map((p) => p.name)
      throw new Error(
        `publishing ${pkg.name}@${pkg.version} failed; not published: ${left.join(', ')}. Fix it and run pnpm release again (published versions are skipped).`,
      )
    }
    done.push(pkg)
  }
  if (options.gitTag) {
    for (const pkg of done) {
      const tag = `${pkg.name}@${pkg.version}`
      // Annotated, so `git push --follow-tags` pushes it and clones see the release.
      execFileSync('git', ['tag', '-a', '-m', tag, tag], { cwd: root, stdio: 'inherit' })
      console.log(`tagged ${tag}`)
    }
    if (done.length > 0) console.log('Push the tags: git push --follow-tags')
  }
  console.log(`\nPublished ${done.length} package(s) to ${registry}.`)
  return done
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    // The workspace in the current folder (pnpm runs scripts there; the dry run's copy is no git
    // repository), else the repository holding it.
    const root = existsSync(join(process.cwd(), 'pnpm-workspace.yaml'))
      ? process.cwd()
      : execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim()
    release(root, parse(process.argv.slice(2)))
  } catch (error) {
    console.error(`\nrelease: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  }
}
