import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { exited, spawnBoundChild, stopChild } from '../test-support/bound-child-process.js'
import { postgresUnavailable } from '../test-support/databases.js'
import { node22Runtime } from '../test-support/node-runtime.js'

/**
 * pg-boss 12 declares Node >= 22.12 while this repository runs on Node 20, so the adapter's own
 * test files (packages/queue-pg-boss/test) run a second time here: in a vitest of their own on a
 * Node 22 from the npm registry (test-support/node-runtime.ts), with PGBOSS_MAJOR=12 so their
 * boss is pg-boss 12, under the same vitest config. It passes only if that run passed, and ran
 * tests at all, on the Node and pg-boss it was meant for.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const testFiles = 'packages/queue-pg-boss/test'
/** The Node 22 download (once, ~30 MB) happens above; this is for the run itself. */
const RUN_TIMEOUT_MS = 240_000
/** The line packages/queue-pg-boss/test prints once it has loaded pg-boss. */
const loadedLine = /\[queue-pg-boss tests\] pg-boss (\d+)\.\d+\.\d+ on Node v(\d+)\./

const runtime = await node22Runtime()
const skip = 'skipped' in runtime ? runtime.skipped : await postgresUnavailable()

interface VitestJsonReport {
  success: boolean
  numTotalTests: number
  numPassedTests: number
  numFailedTests: number
}

describe.skipIf(Boolean(skip))('queue-pg-boss on Node 22 with pg-boss 12', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it(
    `passes ${testFiles}`,
    async () => {
      if ('skipped' in runtime) throw new Error(runtime.skipped)
      const reportDir = await mkdtemp(join(tmpdir(), 'clerk-sync-node22-'))
      cleanups.push(() => rm(reportDir, { recursive: true, force: true }))
      const report = join(reportDir, 'report.json')
      const child = spawnBoundChild(
        [
          join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          testFiles,
          // Without CI the config has no JSON reporter; under CI it writes CLERK_SYNC_TEST_REPORT.
          '--reporter=default',
          '--reporter=json',
          `--outputFile.json=${report}`,
        ],
        {
          cwd: root,
          env: { ...childEnv(), PGBOSS_MAJOR: '12', CLERK_SYNC_TEST_REPORT: report },
          node: runtime.node,
        },
      )
      cleanups.push(() => stopChild(child))
      let output = ''
      child.stdout?.on('data', (chunk) => {
        output += chunk
      })
      child.stderr?.on('data', (chunk) => {
        output += chunk
      })
      const timer = setTimeout(() => void stopChild(child), RUN_TIMEOUT_MS)
      await exited(child)
      clearTimeout(timer)
      const tail = `Node ${runtime.version} vitest run ${testFiles}:\n${output.slice(-6000)}`

      expect(child.exitCode, tail).toBe(0)
      const result = JSON.parse(await readFile(report, 'utf8')) as VitestJsonReport
      expect(result.success, tail).toBe(true)
      expect(result.numFailedTests, tail).toBe(0)
      // A run that skipped everything (or found no tests) proves nothing.
      expect(result.numPassedTests, tail).toBeGreaterThan(0)
      const [, bossMajor, nodeMajor] = loadedLine.exec(output) ?? []
      expect({ bossMajor, nodeMajor }, tail).toEqual({ bossMajor: '12', nodeMajor: '22' })
    },
    RUN_TIMEOUT_MS + 30_000,
  )
})

/** This process's environment without what marks it as a vitest worker, which the child is not. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'TEST'),
  )
}
