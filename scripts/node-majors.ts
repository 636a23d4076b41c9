/**
 * Runs the unit, adapter and one database's tests (Postgres, plus SQLite through the native
 * better-sqlite3) on Node 22 and 24, and the Hono adapter and the Next.js route under Bun.
 *
 *   tsx scripts/node-majors.ts [--majors 22,24] [--no-bun]
 *
 * (`--majors=` runs Bun only.) Each major gets the Node build the npm registry ships (`node-<platform>-<arch>@<major>`) and a
 * copy of the workspace with a node_modules of its own, in the cache folder
 * (test-support/node-runtime.ts: $CLERK_SYNC_NODE_CACHE, else ~/.cache/clerk-sync):
 * `<cache>/node-majors/<major>/work`. `pnpm install --frozen-lockfile --offline` runs there on
 * that Node with `npm_config_nodedir` at the package's `include/node`, so native modules are built
 * against that major without fetching headers from nodejs.org. Vitest then runs on that Node with
 * scripts/node-majors/vitest.config.ts, whose runtime check asserts the workers' Node major.
 *
 * Bun runs tests/bun/*.spec.ts against this workspace's built packages (dist), building them first
 * when a source file is newer.
 *
 * Exits 1 on any failed, empty or wrong-runtime run. Prints one summary line per runtime.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { copyFile, lstat, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { takeDirLock } from '../test-support/dir-lock.js'
import {
  type InstalledNode,
  installedBun,
  installedNode,
  nodeCacheRoot,
} from '../test-support/node-runtime.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * What runs on each major: the unit and adapter tests, the testing kit, one database (Postgres,
 * and SQLite through the native better-sqlite3) and one example app end to end. Vitest filters:
 * path substrings.
 */
const TESTS = [
  'scripts/node-majors/runtime.test.ts',
  'packages/core/test/',
  'packages/adapter-',
  'packages/testing/test/',
  'packages/store-drizzle/test/sqlite',
  'packages/store-drizzle/test/pg',
  'examples/express-drizzle/',
]
/** The packages tests/bun imports, by folder. */
const BUN_PACKAGES = ['core', 'testing', 'adapter-hono', 'adapter-next']

const INSTALL_TIMEOUT_MS = 15 * 60_000
const TEST_TIMEOUT_MS = 20 * 60_000

interface Summary {
  runtime: string
  passed: number
  failed: number
  skipped: number
  seconds: number
  /** Where the time went, e.g. `install 9 s, tests 212 s`. */
  detail: string
  problems: string[]
}

const { values } = parseArgs({
  options: {
    majors: { type: 'string', default: '22,24' },
    'no-bun': { type: 'boolean', default: false },
  },
})
const majors = (values.majors ?? '')
  .split(',')
  .filter(Boolean)
  .map((major) => {
    if (!/^\d+$/.test(major)) throw new Error(`--majors takes numbers, e.g. 22,24 (got ${major})`)
    return Number(major)
  })

async function runMajor(major: number): Promise<Summary> {
  const started = Date.now()
  const took = timer()
  const problems: string[] = []
  const summary = (runtime: string, counts: Counts, detail: string): Summary => ({
    runtime,
    ...counts,
    seconds: seconds(Date.now() - started),
    detail,
    problems,
  })
  console.log(`\n[node-majors] Node ${major}`)
  let node: InstalledNode
  try {
    node = await installedNode(major)
  } catch (error) {
    problems.push(`no Node ${major}: ${message(error)}`)
    return summary(`Node ${major}`, NONE, 'not installed')
  }
  const runtime = `Node ${node.version}`
  const base = join(nodeCacheRoot(), 'node-majors', String(major))
  const work = join(base, 'work')
  // A run on this copy takes minutes; one older than 45 min was killed (a job at its time cap
  // leaves its lock, and a new job's pids can reuse the dead holder's).
  const release = (await takeDirLock(`${base}.lock`, {
    staleAfterMs: 45 * 60_000,
    maxWaitMs: 45 * 60_000,
    onWait: (pid) => console.log(`[node-majors] waiting for ${base}.lock (pid ${pid})`),
  })) as () => Promise<void>
  try {
    const copied = await syncWorkspace(work, join(base, 'files.txt'))
    const env = runtimeEnv(node, { CLERK_SYNC_NODE_MAJOR: String(major) })
    const setup = took()
    console.log(`[node-majors] ${copied} files changed in ${work}; pnpm install on ${runtime}`)
    const installArgs = ['install', '--frozen-lockfile', '--config.confirmModulesPurge=false']
    let install = await pnpm(node, [...installArgs, '--offline'], work, env)
    if (install !== 0) {
      console.log('[node-majors] the offline install failed (a package missing from the store?)')
      install = await pnpm(node, [...installArgs, '--prefer-offline'], work, env)
    }
    if (install !== 0) {
      problems.push(`pnpm install exited with ${install}`)
      return summary(runtime, NONE, `install ${took()} s`)
    }
    const check = await exec(
      node.node,
      ['-e', nativeCheck],
      join(work, 'packages/store-drizzle'),
      env,
      60_000,
    )
    if (check !== 0) {
      problems.push(`better-sqlite3 does not load on ${runtime} (exit ${check})`)
      return summary(runtime, NONE, `install ${took()} s`)
    }
    const installed = took()

    const report = join(base, 'report.json')
    await rm(report, { force: true })
    const vitest = await exec(
      node.node,
      [
        join(work, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'scripts/node-majors/vitest.config.ts',
        ...TESTS,
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      work,
      { ...env, CLERK_SYNC_TEST_REPORT: report },
      TEST_TIMEOUT_MS,
    )
    const detail = `copy ${setup} s, install ${installed} s, tests ${took()} s`
    const result = existsSync(report) ? readReport(report) : undefined
    if (!result) {
      problems.push(`vitest exited with ${vitest} and wrote no report`)
      return summary(runtime, NONE, detail)
    }
    if (vitest !== 0 || !result.success) problems.push(`vitest exited with ${vitest}`)
    if (result.failed > 0) problems.push(`${result.failed} tests failed: ${result.failures}`)
    if (result.passed === 0) problems.push('no test passed: an empty run proves nothing')
    if (!result.runtimeChecked) {
      problems.push('the runtime check (scripts/node-majors/runtime.test.ts) did not pass')
    }
    return summary(runtime, result, detail)
  } finally {
    await release()
  }
}

async function runBun(): Promise<Summary> {
  const started = Date.now()
  const took = timer()
  const problems: string[] = []
  console.log('\n[node-majors] Bun')
  const summary = (runtime: string, counts: Counts, detail: string): Summary => ({
    runtime,
    ...counts,
    seconds: seconds(Date.now() - started),
    detail,
    problems,
  })
  let bun: { bun: string; version: string }
  try {
    bun = await installedBun()
  } catch (error) {
    problems.push(`no Bun: ${message(error)}`)
    return summary('Bun', NONE, 'not installed')
  }
  const runtime = `Bun ${bun.version}`
  const stale = BUN_PACKAGES.filter((name) => !builtFresh(join(root, 'packages', name)))
  if (stale.length > 0) {
    console.log(`[node-majors] building ${stale.join(', ')} (dist older than src)`)
    const filters = stale.flatMap((name) => ['--filter', `./packages/${name}`])
    const built = await exec('pnpm', [...filters, 'run', 'build'], root, process.env, 10 * 60_000)
    if (built !== 0) {
      problems.push(`pnpm build exited with ${built}`)
      return summary(runtime, NONE, `build ${took()} s`)
    }
  }
  const build = took()
  const report = join(nodeCacheRoot(), 'bun-report.xml')
  await rm(report, { force: true })
  const code = await exec(
    bun.bun,
    ['test', './tests/bun/', '--reporter=junit', `--reporter-outfile=${report}`],
    root,
    { ...process.env, CLERK_SYNC_BUN_VERSION: bun.version },
    5 * 60_000,
  )
  const detail = `build ${build} s, tests ${took()} s`
  const counts = existsSync(report) ? readJunit(report) : undefined
  if (!counts) {
    problems.push(`bun test exited with ${code} and wrote no report`)
    return summary(runtime, NONE, detail)
  }
  if (code !== 0) problems.push(`bun test exited with ${code}`)
  if (counts.failed > 0) problems.push(`${counts.failed} tests failed`)
  if (counts.passed === 0) problems.push('no test passed: an empty run proves nothing')
  return summary(runtime, counts, detail)
}

interface Counts {
  passed: number
  failed: number
  skipped: number
}
const NONE: Counts = { passed: 0, failed: 0, skipped: 0 }

/** Loads better-sqlite3 (built at install time) on the runtime, and says which it is. */
const nativeCheck = `
  const Database = require('better-sqlite3')
  const row = new Database(':memory:').prepare('select sqlite_version() as v').get()
  console.log('[node-majors] better-sqlite3 loads on Node ' + process.version + ' (SQLite ' + row.v + ', ABI ' + process.versions.modules + ')')
`

/**
 * Copies the workspace's files (tracked, and untracked ones git does not ignore) into `work`,
 * skipping those whose size and mtime match, and removes those a previous copy held that are gone
 * now. node_modules, dist and other ignored files in `work` stay. Resolves how many were copied.
 */
async function syncWorkspace(work: string, manifest: string): Promise<number> {
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  )
    .toString('utf8')
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)))
  const before = existsSync(manifest) ? (await readFile(manifest, 'utf8')).split('\n') : []
  const now = new Set(files)
  for (const gone of before) if (gone && !now.has(gone)) await rm(join(work, gone), { force: true })
  let copied = 0
  for (const file of files) {
    const from = join(root, file)
    const to = join(work, file)
    const source = await lstat(from)
    if (!source.isFile()) continue
    const target = await stat(to).catch(() => undefined)
    if (target && target.size === source.size && target.mtimeMs === source.mtimeMs) continue
    await mkdir(dirname(to), { recursive: true })
    await copyFile(from, to)
    await utimes(to, source.atime, source.mtime)
    copied++
  }
  await mkdir(dirname(manifest), { recursive: true })
  await writeFile(manifest, files.join('\n'))
  return copied
}

/**
 * The environment for the runtime's children: its bin folder first on PATH, npm_config_nodedir at
 * its headers, and nothing from the package manager that may have started this script (its npm_*
 * settings, the workspace's node_modules/.bin, which belong to the Node 20 install).
 */
function runtimeEnv(node: InstalledNode, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        (!/^npm_/i.test(key) || /registry/i.test(key)) &&
        !['NODE', 'INIT_CWD', 'PNPM_SCRIPT_SRC_DIR', 'NODE_OPTIONS'].includes(key) &&
        !key.startsWith('VITEST'),
    ),
  )
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry && !entry.includes(`node_modules${'/'}.bin`))
  return {
    ...env,
    PATH: [join(node.home, 'bin'), ...path].join(delimiter),
    npm_config_nodedir: node.home,
    ...extra,
  }
}

/** pnpm on the runtime's Node (its own JS entry), so its install scripts see that Node too. */
async function pnpm(
  node: InstalledNode,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const found = execFileSync('sh', ['-c', 'command -v pnpm'], { env }).toString().trim()
  const entry = realpathSync(found)
  return /\.[cm]?js$/.test(entry)
    ? exec(node.node, [entry, ...args], cwd, env, INSTALL_TIMEOUT_MS)
    : exec(entry, args, cwd, env, INSTALL_TIMEOUT_MS)
}

/** Runs a command with inherited output; resolves its exit code (1 when killed on timeout). */
function exec(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' })
    const timer = setTimeout(() => {
      console.log(`[node-majors] ${command} ${args[0]} took over ${timeoutMs / 1000} s: stopped`)
      child.kill('SIGTERM')
      // A child stuck in its SIGTERM teardown must not hold CI until its cap.
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
    }, timeoutMs)
    child.on('error', (error) => {
      console.log(`[node-majors] ${command}: ${error.message}`)
      clearTimeout(timer)
      done(1)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      done(code ?? 1)
    })
  })
}

interface VitestReport {
  success: boolean
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  testResults: {
    name: string
    assertionResults: { status: string; fullName: string }[]
  }[]
}

function readReport(
  path: string,
): Counts & { success: boolean; runtimeChecked: boolean; failures: string } {
  const report = JSON.parse(readFileSync(path, 'utf8')) as VitestReport
  const check = report.testResults.find((file) =>
    file.name.endsWith('scripts/node-majors/runtime.test.ts'),
  )
  const failures = report.testResults
    .flatMap((file) =>
      file.assertionResults
        .filter((test) => test.status === 'failed')
        .map((test) => `${file.name.replace(/^.*\/work\//, '')} > ${test.fullName}`),
    )
    .slice(0, 10)
    .join('; ')
  return {
    success: report.success,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    runtimeChecked:
      check !== undefined &&
      check.assertionResults.length > 0 &&
      check.assertionResults.every((test) => test.status === 'passed'),
    failures,
  }
}

/** Counts from Bun's JUnit report: its <testsuites> totals. */
function readJunit(path: string): Counts {
  const xml = readFileSync(path, 'utf8')
  const totals = /<testsuites\b([^>]*)>/.exec(xml)?.[1] ?? ''
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(totals)?.[1] ?? 0)
  const tests = attr('tests')
  const failed = attr('failures') + attr('errors')
  const skipped = attr('skipped')
  return { passed: tests - failed - skipped, failed, skipped }
}

/** Whether a package's dist is newer than every file under its src. */
function builtFresh(packageDir: string): boolean {
  const built = join(packageDir, 'dist/index.js')
  if (!existsSync(built)) return false
  const builtAt = statSync(built).mtimeMs
  const sources = execFileSync('git', ['ls-files', '-z', '--cached', '--others', 'src'], {
    cwd: packageDir,
  })
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
  return sources.every((file) => {
    const path = join(packageDir, file)
    return !existsSync(path) || statSync(path).mtimeMs <= builtAt
  })
}

function timer(): () => number {
  let last = Date.now()
  return () => {
    const now = Date.now()
    const elapsed = seconds(now - last)
    last = now
    return elapsed
  }
}

function seconds(ms: number): number {
  return Math.round(ms / 1000)
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// Last: everything above (functions and constants) is defined by now.
const summaries: Summary[] = []
for (const major of majors) summaries.push(await runMajor(major))
if (!values['no-bun']) summaries.push(await runBun())

console.log('\n[node-majors] summary')
for (const s of summaries) {
  const state = s.problems.length ? 'FAILED' : 'ok'
  console.log(
    `[node-majors] ${s.runtime}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped in ${s.seconds} s (${s.detail}) ${state}`,
  )
  for (const problem of s.problems) console.log(`[node-majors]   ${problem}`)
}
const failed = summaries.some((s) => s.problems.length > 0) || summaries.length === 0
process.exit(failed ? 1 : 0)
