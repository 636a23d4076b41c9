import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { shellQuote } from '../src/shell-quote.js'
import { answers, jsonLines, started, stopsAnswering } from './support/emulator-process.js'
import { cliCommandLine, cliEnv, startCli } from './support/run-cli.js'

/** Processes a test started beyond its direct children, ended by pid if the test fails. */
const strays = new Set<number>()
afterEach(() => {
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
  strays.clear()
})

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Children of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

/**
 * A parent process of the test's own: node, which starts the emulator CLI (directly, or through
 * `sh -c` as npx does) with its output in a file, so the parent's death closes no pipe of the
 * emulator's: only the ancestry watch can notice it.
 */
function startParent(options: { throughShell: boolean }) {
  const out = join(mkdtempSync(join(tmpdir(), 'clerk-sync-parent-')), 'emulator.log')
  const command = cliCommandLine(['emulator', '--json'])
  const spawnArgs = options.throughShell
    ? ['sh', ['-c', `${command.map(shellQuote).join(' ')}; exit $?`]]
    : [command[0], command.slice(1)]
  const script = `
    const { spawn } = require('node:child_process')
    const { openSync } = require('node:fs')
    const [file, args] = ${JSON.stringify(spawnArgs)}
    const log = openSync(${JSON.stringify(out)}, 'a')
    const child = spawn(file, args, { stdio: ['ignore', log, log] })
    console.log(String(child.pid))
    setInterval(() => {}, 60_000)
  `
  const parent: ChildProcess = spawn(process.execPath, ['-e', script], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  strays.add(parent.pid!)
  const childPid = new Promise<number>((resolve) =>
    parent.stdout!.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
  )
  const startedLine = async () => {
    const deadline = Date.now() + 20_000
    for (;;) {
      const text = (() => {
        try {
          return readFileSync(out, 'utf8')
        } catch {
          return ''
        }
      })()
      const line = text.split('\n').find((l) => l.startsWith('{"kind":"started"'))
      if (line) return JSON.parse(line) as { apiUrl: string }
      if (Date.now() > deadline) throw new Error(`the emulator did not start:\n${text}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { parent, childPid, startedLine, log: () => readFileSync(out, 'utf8') }
}

describe('clerk-sync emulator ends with what started it', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops on %s: exit 0, the port closed',
    async (signal) => {
      const cli = startCli(['emulator', '--json'])
      const { apiUrl } = await started(cli)
      expect(await answers(apiUrl)).toBe(true)
      cli.child.kill(signal)
      const run = await cli.result()
      expect(run.code).toBe(0)
      expect(jsonLines(cli).at(-1)).toEqual({ kind: 'stopped', signal, reason: signal })
      expect(await answers(apiUrl)).toBe(false)
    },
  )

  it('stops when its parent is killed with SIGKILL', async () => {
    const { parent, childPid, startedLine, log } = startParent({ throughShell: false })
    const emulatorPid = await childPid
    strays.add(emulatorPid)
    const { apiUrl } = await startedLine()
    expect(await answers(apiUrl)).toBe(true)
    parent.kill('SIGKILL')
    await stopsAnswering(apiUrl)
    await expect.poll(() => alive(emulatorPid), { timeout: 5000 }).toBe(false)
    expect(log()).toContain('"reason":"the process that started it exited"')
  })

  it.runIf(process.platform === 'linux')(
    'stops when the wrapper above a shell is killed with SIGKILL (npx runs sh -c, which lives on)',
    async () => {
      const { parent, childPid, startedLine, log } = startParent({ throughShell: true })
      const shellPid = await childPid
      strays.add(shellPid)
      const { apiUrl } = await startedLine()
      const [emulatorPid] = childrenOf(shellPid)
      expect(emulatorPid, 'the emulator runs under the shell').toBeDefined()
      strays.add(emulatorPid!)
      parent.kill('SIGKILL')
      await stopsAnswering(apiUrl)
      await expect.poll(() => alive(emulatorPid!), { timeout: 5000 }).toBe(false)
      expect(log()).toContain('"reason":"the process that started it exited"')
    },
  )

  it('stops when its stdin pipe closes (the parent ended it), the parent alive', async () => {
    const cli = startCli(['emulator', '--json'], { stdin: 'pipe' })
    const { apiUrl } = await started(cli)
    cli.child.stdin!.write('ignored\n')
    expect(await answers(apiUrl)).toBe(true)
    cli.child.stdin!.end()
    const run = await cli.result()
    expect(run.code).toBe(0)
    expect(jsonLines(cli).at(-1)).toEqual({ kind: 'stopped', reason: 'stdin closed' })
    expect(await answers(apiUrl)).toBe(false)
  })
})
