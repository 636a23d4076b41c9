/** The CLI from its TypeScript source as a separate process: through a pipe, or on a terminal. */
import { type ChildProcess, spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { shellQuote } from '../../src/shell-quote.js'
import { sourceAliases } from './app-dir.js'

const pkg = resolve(import.meta.dirname, '../..')
const source = join(pkg, 'src/cli.ts')
const tsx = pathToFileURL(join(pkg, 'node_modules/tsx/dist/loader.mjs')).href
const nodeArgs = ['--conditions=@clerk-sync/source', '--import', tsx, source]

export interface CliOptions {
  cwd?: string
  env?: Record<string, string>
  /** `pipe`: the child's stdin is a pipe from this process (`child.stdin`). Default `ignore`. */
  stdin?: 'pipe' | 'ignore'
}

/** The command line that runs the CLI from source, for a parent process of a test's own. */
export function cliCommandLine(args: string[]): string[] {
  return [process.execPath, ...nodeArgs, ...args]
}

/** The environment the CLI runs in (its sources aliased for the config loader). */
export function cliEnv(env?: Record<string, string>): NodeJS.ProcessEnv {
  return childEnv(env)
}

function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, JITI_ALIAS: sourceAliases, ...env }
}

/** Output collected as it comes, with a way to wait for a pattern and for the exit. */
export class CliProcess {
  stdout = ''
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => (this.stdout += chunk))
    child.stderr?.on('data', (chunk) => (this.stderr += chunk))
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    )
  }

  /** Resolves once stdout matches; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let done = false
      const finish = (error?: Error, match?: RegExpMatchArray) => {
        if (done) return
        done = true
        clearInterval(poll)
        clearTimeout(timer)
        if (error) reject(error)
        else resolve(match!)
      }
      const check = () => {
        const match = this.stdout.match(pattern)
        if (match) finish(undefined, match)
      }
      const poll = setInterval(check, 10)
      const timer = setTimeout(
        () => finish(new Error(`no ${pattern} in:\n${this.stdout}\n${this.stderr}`)),
        timeoutMs,
      )
      this.exited.then(() => {
        check()
        finish(new Error(`exited before ${pattern}:\n${this.stdout}\n${this.stderr}`))
      })
      check()
    })
  }

  async result() {
    const { code, signal } = await this.exited
    return { code, signal, stdout: this.stdout, stderr: this.stderr }
  }
}

/** stdout and stderr are pipes: what a script or a log file sees. */
export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  return new CliProcess(
    spawn(process.execPath, [...nodeArgs, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    }),
  )
}

export const runCli = (args: string[], options?: CliOptions) => startCli(args, options).result()

/**
 * On a pseudo-terminal (util-linux `script`), 100 columns wide: what a developer sees. Writing
 * "\x03" to `child.stdin` is a real Ctrl-C (the terminal sends SIGINT to the foreground process).
 */
export function startCliOnTerminal(args: string[], options: CliOptions = {}): CliProcess {
  const command = [process.execPath, ...nodeArgs, ...args].map(shellQuote).join(' ')
  return new CliProcess(
    spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${command}`, '/dev/null'], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  )
}
