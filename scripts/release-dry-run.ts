/**
 * `pnpm release:dry-run`: the release as it would happen, published to a local Verdaccio instead of
 * the npm registry, then installed by a fresh app.
 *
 * 1. Verdaccio 6.8.0 from the cache folder (installed with npm on first use), started on a free
 *    127.0.0.1 port with a temporary config and storage; the workspace's package names are served
 *    only from that storage, everything else through an uplink to https://registry.npmjs.org.
 * 2. A copy of the working tree (tracked and untracked, not ignored files) in a temporary folder,
 *    sharing the repository's node_modules; `changeset version` there gives the planned versions.
 * 3. scripts/release.ts's `release()` in the copy with Verdaccio as the registry and no git tags:
 *    build, package checks, then each package published after what it depends on. Any registry
 *    that is not on 127.0.0.1 is refused before anything runs, and the copy's .npmrc and the
 *    environment point npm and pnpm at Verdaccio (checked with `npm config get`).
 *    `--prebuilt` (CI, after `pnpm test` built and `pnpm check:packages` checked the same dist):
 *    each package's dist is copied from the repository instead of built and checked again.
 * 4. A fresh app in a temporary folder `npm install`s @clerk-sync/core, @clerk-sync/express,
 *    @clerk-sync/drizzle, @clerk-sync/testing and clerk-sync from Verdaccio (npm adds the required
 *    peers, express and drizzle-orm), loads each as ESM and CommonJS, sends a forged and a signed
 *    webhook through createClerkSync, a MemoryStore and the Express adapter on a real server, and
 *    runs `npx clerk-sync --help` and `--version`.
 *
 * Exits 1 naming the failed step. `--keep` leaves the temporary folders (and prints them).
 * Each step's duration is printed. On a busy 2-core machine a full run took 7.4 to 17 min (build,
 * checks and publishing 5.5 to 12.4 of them) and a `--prebuilt` one 4 min, so CI runs it
 * `--prebuilt` after its own build and package checks.
 * Exported as `releaseDryRun` for tests/release/dry-run.test.ts.
 */
import { spawn } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cjsSmoke, esmSmoke } from './release/smoke.js'
import {
  assertLocalRegistry,
  ensureVerdaccio,
  npmEnv,
  startVerdaccio,
} from './release/verdaccio.js'
import { publishOrder, release, workspacePackages } from './release.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface DryRunResult {
  version: string
  /** Package names in the order they were published. */
  published: string[]
  /** Seconds per step. */
  seconds: Record<string, number>
  /** What the smoke printed. */
  smoke: string
}

export class StepFailed extends Error {}

interface Output {
  code: number | null
  text: string
}

/** Runs a command, collecting stdout and stderr together; echoes them when `echo` is set. */
function exec(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; echo: boolean; timeoutMs: number },
): Promise<Output> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    const take = (chunk: Buffer) => {
      text += chunk.toString('utf8')
      if (options.echo) process.stdout.write(chunk)
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    const timer = setTimeout(() => {
      text += `\n[timed out after ${options.timeoutMs / 1000} s]`
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.once('error', reject)
    let settled = false
    const settle = (code: number | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolvePromise({ code, text })
    }
    child.once('close', settle)
    // A grandchild still holding the pipes (npx's child, an install script) would delay 'close'
    // forever: once the child itself exited, the output gets 5 s more.
    child.once('exit', (code) => {
      setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        settle(code)
      }, 5_000).unref()
    })
  })
}

/** The working tree, without ignored files, copied to `to`; node_modules are linked, not copied. */
async function copyWorkspace(to: string, withDist: boolean): Promise<void> {
  const listed = await exec(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      env: process.env,
      echo: false,
      timeoutMs: 60_000,
    },
  )
  if (listed.code !== 0) throw new StepFailed(`git ls-files failed: ${listed.text}`)
  for (const path of listed.text.split('\0').filter(Boolean)) {
    if (!existsSync(join(root, path))) continue // deleted in the working tree
    await mkdir(dirname(join(to, path)), { recursive: true })
    await cp(join(root, path), join(to, path), { verbatimSymlinks: true })
  }
  // The root's store, and each package's links into it (relative, so they resolve in the copy).
  await symlink(join(root, 'node_modules'), join(to, 'node_modules'))
  for (const dir of await readdir(join(root, 'packages'))) {
    if (withDist) {
      const dist = join(root, 'packages', dir, 'dist')
      if (!existsSync(dist)) {
        throw new StepFailed(`--prebuilt needs packages/${dir}/dist: run pnpm build first`)
      }
      await cp(dist, join(to, 'packages', dir, 'dist'), { recursive: true })
    }
    const modules = join(root, 'packages', dir, 'node_modules')
    if (existsSync(modules)) {
      await cp(modules, join(to, 'packages', dir, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      })
    }
  }
}

export async function releaseDryRun(
  options: {
    echo?: boolean
    keep?: boolean
    prebuilt?: boolean
    log?: (line: string) => void
  } = {},
): Promise<DryRunResult> {
  const echo = options.echo ?? true
  const log = options.log ?? ((line: string) => console.log(`[release:dry-run] ${line}`))
  const seconds: Record<string, number> = {}
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    try {
      return await work()
    } finally {
      seconds[name] = Math.round((performance.now() - started) / 100) / 10
      log(`${name}: ${seconds[name]} s`)
    }
  }

  const bin = await timed('verdaccio install', () => ensureVerdaccio(log))
  const temp = await mkdtemp(join(tmpdir(), 'clerk-sync-release-dry-run-'))
  const registry = await timed('verdaccio start', () =>
    startVerdaccio(bin, join(temp, 'verdaccio')),
  )
  try {
    assertLocalRegistry(registry.url)
    log(`registry ${registry.url}, folders in ${temp}`)
    const hostPath = registry.url.replace(/^http:/, '')
    const npmrc = [
      `registry=${registry.url}`,
      `@clerk-sync:registry=${registry.url}`,
      `${hostPath}:_authToken=${registry.token}`,
      '',
    ].join('\n')
    // npm and pnpm read the registry from the folder's .npmrc; the environment says the same, so a
    // registry set in the caller's environment or ~/.npmrc cannot take over.
    const env = npmEnv({
      npm_config_registry: registry.url,
      'npm_config_@clerk-sync:registry': registry.url,
      npm_config_update_notifier: 'false',
      CI: process.env.CI ?? '',
    })

    const repo = join(temp, 'repo')
    await timed('copy workspace', () => copyWorkspace(repo, options.prebuilt ?? false))
    const kept = await readFile(join(repo, '.npmrc'), 'utf8').catch(() => '')
    await writeFile(join(repo, '.npmrc'), `${kept.trimEnd()}\n${npmrc}`)

    const versioned = await timed('changeset version', () =>
      exec(join(root, 'node_modules/.bin/changeset'), ['version'], {
        cwd: repo,
        env,
        echo,
        timeoutMs: 120_000,
      }),
    )
    if (versioned.code !== 0) throw new StepFailed(`changeset version failed:\n${versioned.text}`)
    const packages = publishOrder(workspacePackages(repo)).filter((pkg) => !pkg.private)
    const versions = [...new Set(packages.map((pkg) => pkg.version))]
    if (versions.length !== 1) {
      throw new StepFailed(
        `the packages do not share one version after changeset version: ${packages.map((p) => `${p.name}@${p.version}`).join(', ')}`,
      )
    }
    const version = versions[0]!
    log(`planned version ${version}`)

    for (const [key, value] of [
      ['registry', registry.url],
      ['@clerk-sync:registry', registry.url],
    ]) {
      const got = await exec('npm', ['config', 'get', key!], {
        cwd: repo,
        env,
        echo: false,
        timeoutMs: 60_000,
      })
      if (got.text.trim() !== value) {
        throw new StepFailed(
          `npm config get ${key} in the copy says ${got.text.trim()}, not ${value}`,
        )
      }
    }

    const published = await timed(
      options.prebuilt ? 'release (publish, prebuilt)' : 'release (build, check, publish)',
      async () => {
        try {
          return release(repo, {
            registry: registry.url,
            gitTag: false,
            dryRun: false,
            prebuilt: options.prebuilt ?? false,
            env,
          }).map((pkg) => pkg.name)
        } catch (error) {
          throw new StepFailed(`release: ${error instanceof Error ? error.message : error}`)
        }
      },
    )
    if (published.length !== packages.length) {
      throw new StepFailed(
        `published ${published.join(', ')}; expected ${packages.length} packages`,
      )
    }

    const app = join(temp, 'app')
    await mkdir(app)
    await writeFile(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'release-dry-run-app', private: true, version: '1.0.0' }, null, 2)}\n`,
    )
    await writeFile(join(app, '.npmrc'), npmrc)
    const names = [
      '@clerk-sync/core',
      '@clerk-sync/express',
      '@clerk-sync/drizzle',
      '@clerk-sync/testing',
      'clerk-sync',
    ]
    const installed = await timed('npm install in a fresh app', () =>
      exec(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          `--registry=${registry.url}`,
          ...names.map((name) => `${name}@${version}`),
        ],
        { cwd: app, env, echo, timeoutMs: 600_000 },
      ),
    )
    if (installed.code !== 0) throw new StepFailed(`npm install failed:\n${installed.text}`)
    // What was installed is what was published: the lockfile's integrity is Verdaccio's.
    const lock = JSON.parse(await readFile(join(app, 'package-lock.json'), 'utf8'))
    for (const name of names) {
      const entry = lock.packages?.[`node_modules/${name}`]
      const packument = (await (
        await fetch(`${registry.url}${name.replace('/', '%2f')}`)
      ).json()) as { versions?: Record<string, { dist?: { integrity?: string } }> }
      const integrity = packument.versions?.[version]?.dist?.integrity
      if (entry?.version !== version || !integrity || entry.integrity !== integrity) {
        throw new StepFailed(
          `${name}: installed ${entry?.version} ${entry?.integrity}, Verdaccio holds ${version} ${integrity}`,
        )
      }
    }

    await writeFile(join(app, 'smoke.cjs'), cjsSmoke(version))
    await writeFile(join(app, 'smoke.mjs'), esmSmoke(version))
    const smoke = await timed('smoke', async () => {
      let text = ''
      for (const [command, args] of [
        [process.execPath, ['smoke.cjs']],
        [process.execPath, ['smoke.mjs']],
        ['npx', ['--no-install', 'clerk-sync', '--version']],
        ['npx', ['--no-install', 'clerk-sync', '--help']],
      ] as const) {
        const result = await exec(command, [...args], {
          cwd: app,
          env,
          echo: false,
          timeoutMs: 120_000,
        })
        if (result.code !== 0) {
          throw new StepFailed(
            `${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.text}`,
          )
        }
        text += `$ ${command === process.execPath ? 'node' : command} ${args.join(' ')}\n${result.text}`
      }
      return text
    })
    if (!smoke.includes(`clerk-sync --version\n${version}\n`)) {
      throw new StepFailed(`npx clerk-sync --version did not print ${version}:\n${smoke}`)
    }
    if (!/Usage/i.test(smoke))
      throw new StepFailed(`npx clerk-sync --help printed no usage:\n${smoke}`)
    return { version, published, seconds, smoke }
  } finally {
    await registry.stop()
    if (options.keep) log(`kept ${temp}`)
    else await rm(temp, { recursive: true, force: true })
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now()
  releaseDryRun({
    keep: process.argv.includes('--keep'),
    prebuilt: process.argv.includes('--prebuilt'),
  }).then(
    (result) => {
      console.log(`\n${result.smoke}`)
      console.log(
        `release:dry-run passed in ${Math.round((performance.now() - started) / 1000)} s: ${result.published.length} package(s) published at ${result.version} in this order: ${result.published.join(', ')}`,
      )
      console.log(JSON.stringify(result.seconds))
    },
    (error) => {
      console.error(`\nrelease:dry-run FAILED: ${error instanceof Error ? error.message : error}`)
      process.exitCode = 1
    },
  )
}
