import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'

/** An example app's `src/main.ts`, running in its own process. */
export interface ExampleServer {
  /** Where it listens, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string
  /** SIGTERM, as Ctrl-C in a terminal or a container stop would send; resolves once it exited. */
  stop(): Promise<void>
}

const LISTENING = /listening on (http:\/\/\S+)/

/**
 * Starts `appDir/src/main.ts` as `pnpm start` does (tsx, workspace packages from their sources)
 * on an ephemeral port of 127.0.0.1, with `env` over the test's environment, and resolves once it
 * prints `listening on <url>`. So the test covers what a developer runs: the environment variables
 * the README names, the migrations at start-up, the server itself.
 */
export function startExampleServer(
  appDir: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ExampleServer> {
  const tsxCli = createRequire(join(appDir, 'package.json')).resolve('tsx/cli')
  const child = spawn(
    process.execPath,
    [tsxCli, '--conditions=@clerk-sync/source', 'src/main.ts'],
    {
      cwd: appDir,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const chunks: string[] = []
  const output = () => chunks.join('')
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${appDir} did not start within ${timeoutMs} ms:\n${output()}`))
    }, timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${appDir} exited (${signal ?? code}) before listening:\n${output()}`))
    })
    child.stderr?.on('data', (chunk) => chunks.push(String(chunk)))
    child.stdout?.on('data', (chunk) => {
      chunks.push(String(chunk))
      const url = LISTENING.exec(output())?.[1]
      if (!url) return
      clearTimeout(timer)
      resolve({ url, output, stop: () => stopChild(child, exited) })
    })
  })
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}
