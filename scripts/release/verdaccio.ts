/**
 * Verdaccio 6.8.0, a local npm registry for the release dry run: installed with npm into the cache
 * folder the Node runtimes use (test-support/node-runtime.ts) on first use, reused after, started
 * on a free port with a temporary config and storage.
 *
 * 6.8.0 runs on Node 20 when node-fetch is pinned to 2.7.0 (an npm `overrides`); 6.10 wants Node 22.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { takeDirLock } from '../../test-support/dir-lock.js'
import { freePort } from '../../test-support/http.js'
import { nodeCacheRoot } from '../../test-support/node-runtime.js'

const run = promisify(execFile)

export const VERDACCIO_VERSION = '6.8.0'
const INSTALL_TIMEOUT_MS = 300_000
const STALE_LOCK_MS = INSTALL_TIMEOUT_MS + 60_000

/** Where Verdaccio is installed: `<cache>/verdaccio-6.8.0`. */
export function verdaccioDir(): string {
  return join(nodeCacheRoot(), `verdaccio-${VERDACCIO_VERSION}`)
}

function binIn(dir: string): string {
  return join(dir, 'node_modules', 'verdaccio', 'bin', 'verdaccio')
}

/** The path of Verdaccio's bin script, installing it first when the cache has none. */
export async function ensureVerdaccio(log: (line: string) => void): Promise<string> {
  const dir = verdaccioDir()
  if (existsSync(join(dir, 'installed'))) return binIn(dir)
  await mkdir(nodeCacheRoot(), { recursive: true })
  const release = await takeDirLock(`${dir}.lock`, {
    staleAfterMs: STALE_LOCK_MS,
    maxWaitMs: STALE_LOCK_MS,
    done: async () => existsSync(join(dir, 'installed')),
  })
  if (!release) return binIn(dir)
  try {
    if (existsSync(join(dir, 'installed'))) return binIn(dir)
    const staging = `${dir}.staging-${process.pid}`
    log(`installing verdaccio@${VERDACCIO_VERSION} from the npm registry into ${dir} (once)`)
    await rm(staging, { recursive: true, force: true })
    await mkdir(staging, { recursive: true })
    try {
      await writeFile(
        join(staging, 'package.json'),
        `${JSON.stringify(
          {
            name: 'clerk-sync-verdaccio',
            private: true,
            dependencies: { verdaccio: VERDACCIO_VERSION },
            overrides: { 'node-fetch': '2.7.0' },
          },
          null,
          2,
        )}\n`,
      )
      await run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          '--loglevel=error',
          // The public registry, whatever the caller's environment points npm at.
          '--registry=https://registry.npmjs.org/',
          '--fetch-retries=1',
          '--fetch-retry-mintimeout=2000',
          '--fetch-retry-maxtimeout=5000',
        ],
        { cwd: staging, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 << 20 },
      ).catch((error: Error & { stderr?: string }) => {
        const text = (error.stderr || error.message).trim().split('\n').slice(0, 3).join(' | ')
        throw new Error(`npm install verdaccio@${VERDACCIO_VERSION} failed: ${text}`)
      })
      await run(process.execPath, [binIn(staging), '--version'], { timeout: 60_000 })
      await writeFile(join(staging, 'installed'), `${VERDACCIO_VERSION}\n`)
      await rm(dir, { recursive: true, force: true })
      await rename(staging, dir)
      return binIn(dir)
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  } finally {
    await release()
  }
}

export interface RunningVerdaccio {
  url: string
  /** A token for a user registered on start, for publishing. */
  token: string
  child: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts Verdaccio on 127.0.0.1 at a free port with storage under `dir`. The workspace's package
 * names are served only from that storage (never proxied), everything else through an uplink to
 * the public registry, so third-party dependencies install.
 */
export async function startVerdaccio(bin: string, dir: string): Promise<RunningVerdaccio> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const storage = join(dir, 'storage')
  await mkdir(storage, { recursive: true })
  const local = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' }
  const config = [
    `storage: ${JSON.stringify(storage)}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
    '    max_users: 10',
    'uplinks:',
    '  npmjs:',
    '    url: https://registry.npmjs.org/',
    '    timeout: 60s',
    'packages:',
    `  '@clerk-sync/*': ${JSON.stringify(local)}`,
    `  'clerk-sync': ${JSON.stringify(local)}`,
    `  '**': ${JSON.stringify({ ...local, proxy: 'npmjs' })}`,
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n')
  await writeFile(join(dir, 'config.yaml'), config)
  const output: string[] = []
  const child = spawn(
    process.execPath,
    [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: npmEnv() },
  )
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (text: string) => output.push(text))
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    }
  }
  try {
    const deadline = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`verdaccio exited: ${output.join('').trim()}`)
      const up = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.ok,
        () => false,
      )
      if (up) break
      if (Date.now() > deadline) throw new Error(`verdaccio did not answer on ${url} in 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const response = await fetch(`${url}-/user/org.couchdb.user:release`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release', password: 'dry-run-only' }),
    })
    const body = (await response.json()) as { token?: string }
    if (!response.ok || !body.token) {
      throw new Error(`verdaccio refused the user: ${response.status} ${JSON.stringify(body)}`)
    }
    return { url, token: body.token, child, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Refuses any registry that is not on this machine: the dry run never publishes elsewhere. */
export function assertLocalRegistry(registry: string): void {
  const { hostname } = new URL(registry)
  if (registry.includes('registry.npmjs.org') || !['127.0.0.1', 'localhost'].includes(hostname)) {
    throw new Error(`refusing to publish to ${registry}: the dry run publishes only to 127.0.0.1`)
  }
}

/** The environment without the npm_* variables a package manager's `run` exports to scripts. */
export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key)),
    ),
    ...extra,
  }
}
