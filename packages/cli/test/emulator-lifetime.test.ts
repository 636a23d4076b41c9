import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { shellQuote } from '../src/shell-quote.js'
import { answers, jsonLines, started, stopsAnswering } from './support/emulator-process.js'
import { cliCommandLine, cliEnv, startCli } from './support/run-cli.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Longer than the ancestry poll (500 ms), with room for a loaded machine. */
const WATCH_PERIODS_MS = 1500

/** The started line (or an error) from a log file the emulator writes in the background. */
async function startedIn(log: string): Promise<{ apiUrl: string; pid: number }> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : ''
    const line = text.split('\n').find((l) => l.startsWith('{"kind":"started"'))
    if (line) return JSON.parse(line)
    if (Date.now() > deadline) throw new Error(`the emulator did not start:\n${text}`)
    await sleep(50)
  }
}

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
function startParent(options: { throughShell: boolean; args?: string[] }) {
  const out = join(mkdtempSync(join(tmpdir(), 'clerk-sync-parent-')), 'emulator.log')
  const command = cliCommandLine(['emulator', '--json', ...(options.args ?? [])])
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

  it('does not take a stdin pipe that had already ended at start for its parent’s end (true | clerk-sync emulator)', async () => {
    const cli = startCli(['emulator', '--json'], { stdin: 'pipe' })
    cli.child.stdin!.end()
    const { apiUrl } = await started(cli)
    await sleep(WATCH_PERIODS_MS)
    expect(await answers(apiUrl)).toBe(true)
    cli.child.kill('SIGTERM')
    const run = await cli.result()
    expect(run.code).toBe(0)
    expect(jsonLines(cli).at(-1)).toEqual({ kind: 'stopped', signal: 'SIGTERM', reason: 'SIGTERM' })
  })

  it.runIf(process.platform === 'linux')(
    'started with setsid, watches its parent only, not the processes of the session it left',
    async () => {
      const tsx = pathToFileURL(
        join(import.meta.dirname, '../node_modules/tsx/dist/loader.mjs'),
      ).href
      const ancestors = pathToFileURL(
        join(import.meta.dirname, '../src/lifetime/ancestors.ts'),
      ).href
      const script = `import(${JSON.stringify(ancestors)}).then((m) => console.log(JSON.stringify(m.ancestry())))`
      const child = spawn('setsid', [process.execPath, '--import', tsx, '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout!.on('data', (chunk) => (out += chunk))
      await new Promise((resolve) => child.on('close', resolve))
      const chain = JSON.parse(out) as Array<{ pid: number }>
      // Its parent (this test process), and nothing above it: vitest, npx and the shell that
      // started them are another session's.
      expect(chain.map((link) => link.pid)).toEqual([process.pid])
    },
  )
})

describe('clerk-sync emulator --detached outlives what started it', () => {
  it.runIf(process.platform !== 'win32')(
    'started in the background by a shell that exits (a CI step), it serves until SIGTERM; SIGHUP ignored',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-detached-'))
      const statePath = join(dir, 'emulator.json')
      const log = join(dir, 'emulator.log')
      const command = cliCommandLine(['emulator', '--json', '--detached', '--state', statePath])
      // The step's shell: starts it in the background and exits at once, as `run:` steps do.
      const step = spawn(
        'sh',
        ['-c', `${command.map(shellQuote).join(' ')} > ${shellQuote(log)} 2>&1 &`],
        {
          env: cliEnv(),
          stdio: 'ignore',
        },
      )
      const stepExit = await new Promise<number | null>((resolve) => step.on('exit', resolve))
      expect(stepExit).toBe(0)
      const { apiUrl, pid } = await startedIn(log)
      strays.add(pid)
      expect(readFileSync(`${statePath}.lock`, 'utf8').trim()).toBe(String(pid))
      await sleep(WATCH_PERIODS_MS)
      expect(await answers(apiUrl), 'after the shell that started it exited').toBe(true)
      process.kill(pid, 'SIGHUP')
      await sleep(WATCH_PERIODS_MS)
      expect(await answers(apiUrl), 'after SIGHUP').toBe(true)
      // The CI pattern's last step: kill "$(cat FILE.lock)".
      process.kill(Number(readFileSync(`${statePath}.lock`, 'utf8')), 'SIGTERM')
      await stopsAnswering(apiUrl)
      await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false)
      expect(readFileSync(log, 'utf8')).toContain(
        '{"kind":"stopped","signal":"SIGTERM","reason":"SIGTERM"}',
      )
      expect(existsSync(`${statePath}.lock`)).toBe(false)
    },
  )

  it.runIf(process.platform !== 'win32')(
    'without --detached, the same background start stops when the shell has exited',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'clerk-sync-attached-'))
      const log = join(dir, 'emulator.log')
      const command = cliCommandLine(['emulator', '--json'])
      // The shell lives until the emulator has started, then exits: its child is orphaned.
      const step = spawn(
        'sh',
        [
          '-c',
          `${command.map(shellQuote).join(' ')} > ${shellQuote(log)} 2>&1 &
           until grep -q '"kind":"started"' ${shellQuote(log)} 2>/dev/null; do sleep 0.1; done`,
        ],
        { env: cliEnv(), stdio: 'ignore' },
      )
      strays.add(step.pid!)
      const { apiUrl, pid } = await startedIn(log)
      strays.add(pid)
      await stopsAnswering(apiUrl)
      await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false)
      expect(readFileSync(log, 'utf8')).toContain('"reason":"the process that started it exited"')
    },
  )

  it('ignores its stdin pipe and its parent’s SIGKILL', async () => {
    const { parent, childPid, startedLine, log } = startParent({
      throughShell: false,
      args: ['--detached'],
    })
    const emulatorPid = await childPid
    strays.add(emulatorPid)
    const { apiUrl } = await startedLine()
    parent.kill('SIGKILL')
    await sleep(WATCH_PERIODS_MS)
    expect(await answers(apiUrl)).toBe(true)
    process.kill(emulatorPid, 'SIGTERM')
    await stopsAnswering(apiUrl)
    // The port closes before the stopped line is written.
    await expect.poll(log, { timeout: 5000 }).toContain('"reason":"SIGTERM"')
  })
})
