import { createRequire } from 'node:module'
import { join } from 'node:path'
import { spawnBoundChild, stopChild } from './bound-child-process.js'

/** An example app's `src/main.ts`, running in its own process. */
export interface ExampleServer {
  /** Where it listens, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** The server's own process id (not a launcher's): gone once stop() resolved. */
  readonly pid: number
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string
  /** SIGTERM, as Ctrl-C in a terminal or a container stop would send, SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>
}

const LISTENING = /listening on (http:\/\/\S+)/

/**
 * Starts `appDir/src/main.ts` as `pnpm start` does (tsx, workspace packages from their sources)
 * on an ephemeral port of 127.0.0.1, with `env` over the test's environment, and resolves once it
 * prints `listening on <url>`. So the test covers what a developer runs: the environment variables
 * the README names, the migrations at start-up, the server itself.
 *
 * tsx is loaded with `node --import tsx` rather than through its CLI, which would run the server
 * in a second process that a kill of the first leaves running, port and all. The server is bound
 * to this process (bound-child-process.ts), so a test that dies without stop() leaves none behind.
 */
export function startExampleServer(
  appDir: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ExampleServer> {
  const tsxLoader = createRequire(join(appDir, 'package.json')).resolve('tsx')
  const child = spawnBoundChild(
    ['--import', tsxLoader, '--conditions=@clerk-sync/source', 'src/main.ts'],
    { cwd: appDir, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env } },
  )
  const chunks: string[] = []
  const output = () => chunks.join('')
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
      resolve({ url, pid: child.pid as number, output, stop: () => stopChild(child) })
    })
  })
}
