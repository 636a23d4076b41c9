import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generateSigningSecret } from '@clerk-sync/testing'
import { withFileLock } from './file-lock.js'

export const appDir = fileURLToPath(new URL('../..', import.meta.url))
const repoRoot = join(appDir, '..', '..')
const requireFromApp = createRequire(join(appDir, 'package.json'))
export const nextBin = requireFromApp.resolve('next/dist/bin/next')
const stampPath = join(appDir, '.next', 'clerk-sync-build.sha256')

/**
 * The environment of the test process without any Clerk or app settings it may carry, and with
 * Next told not to load the app's .env files (a developer's .env.local for the emulator would
 * otherwise be inlined into the shared build, or override the test's keys).
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) {
    if (/^(CLERK_|NEXT_PUBLIC_)/.test(name) || name === 'DATABASE_URL' || name === 'APP_URL')
      delete env[name]
  }
  return {
    ...env,
    NEXT_TELEMETRY_DISABLED: '1',
    CLERK_TELEMETRY_DISABLED: '1',
    // @next/env loads no file once this is set (it marks the environment as already loaded).
    __NEXT_PROCESSED_ENV: 'true',
  }
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)))
}

/** What `next build` turns into .next: the app's sources, the clerk-sync builds it bundles, the lockfile. */
function sourcesHash(): string {
  const packageDists = ['@clerk-sync/core', '@clerk-sync/next', '@clerk-sync/prisma'].map((name) =>
    dirname(requireFromApp.resolve(name)),
  )
  const inputs = [
    ...['app', 'lib', 'proxy.ts', 'next.config.ts', 'package.json', 'tsconfig.json']
      .map((path) => join(appDir, path))
      .flatMap(filesUnder),
    join(appDir, 'generated', 'prisma', 'schema.sha256'),
    ...packageDists.flatMap(filesUnder),
    join(repoRoot, 'pnpm-lock.yaml'),
  ]
  const hash = createHash('sha256')
  for (const file of inputs)
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0')
  return hash.digest('hex')
}

function run(child: ChildProcess, what: string): Promise<void> {
  const output: string[] = []
  child.stdout?.on('data', (chunk) => output.push(String(chunk)))
  child.stderr?.on('data', (chunk) => output.push(String(chunk)))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (${code}):\n${output.join('')}`)),
    )
  })
}

/**
 * Generates the Prisma client and runs `next build`, once for all test files: under a lock (test
 * files run in parallel workers), and skipped when .next was built from the same sources.
 *
 * The build holds no keys and no database URL: the server reads CLERK_*, DATABASE_URL and even
 * NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY at start (a NEXT_PUBLIC_ variable is inlined only when set at
 * build time), so one build serves every emulator. The signing secret is a throwaway: clerk-sync
 * checks one exists when the route module loads, which `next build` does.
 */
export function buildApp(): Promise<{ built: boolean }> {
  return withFileLock(join(appDir, '.next-build.lock'), async () => {
    await promisify(execFile)(process.execPath, [join(appDir, 'scripts', 'generate-client.mjs')], {
      cwd: appDir,
    })
    const hash = sourcesHash()
    if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === hash) return { built: false }
    await run(
      spawn(process.execPath, [nextBin, 'build'], {
        cwd: appDir,
        env: { ...cleanEnv(), CLERK_WEBHOOK_SIGNING_SECRET: generateSigningSecret() },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      'next build',
    )
    writeFileSync(stampPath, hash)
    return { built: true }
  })
}
