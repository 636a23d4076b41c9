/**
 * The backfill bench's child processes: built entries run with `node` in the app directory, a
 * clean environment, bounded waits. `runTask` sends one message and waits for `{ type: 'result' }`
 * (passing other messages on); `startEmulatorProcess` waits for the emulator's JSON line. Every
 * child is tracked so `killAll` can end them on failure or Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { ServerBuild } from '../../test-support/chaos/index.js'
import type { ClerkTarget } from './messages.js'

const children = new Set<ChildProcess>()

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}

function spawnEntry(
  build: ServerBuild,
  entry: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): { child: ChildProcess; stderrTail: () => string } {
  const child = spawn(process.execPath, [...execArgv, join(build.dir, entry)], {
    cwd: build.dir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000)
    process.stderr.write(text.replace(/^(?=.)/gm, `  [${entry}] `))
  })
  return { child, stderrTail: () => stderr }
}

export interface RunningTask<T> {
  readonly result: Promise<T>
  send(message: object): void
}

export function runTask<T>(
  build: ServerBuild,
  entry: string,
  env: Record<string, string>,
  message: object,
  timeoutMs: number,
  onMessage: (message: { type?: string }) => void = () => {},
  execArgv: string[] = [],
): RunningTask<T> {
  const { child, stderrTail } = spawnEntry(build, entry, env, execArgv)
  child.stdout?.resume()
  const result = new Promise<T>((resolve, reject) => {
    let answer: T | undefined
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${entry} did not finish within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (reply: { type?: string; result?: T }) => {
      if (reply?.type === 'result') answer = reply.result
      else onMessage(reply)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (answer !== undefined) resolve(answer)
      else
        reject(
          new Error(
            `${entry} exited (code ${code}, signal ${signal}) without a result:\n${stderrTail()}`,
          ),
        )
    })
  })
  child.send(message)
  return { result, send: (next) => child.connected && child.send(next) }
}

export interface EmulatorProcess extends ClerkTarget {
  users: number
  seedSeconds: number
  stop(): Promise<void>
}

export function startEmulatorProcess(
  build: ServerBuild,
  users: number,
  timeoutMs: number,
): Promise<EmulatorProcess> {
  // Room for 100,000 users and their indexes; the emulator's memory is not measured.
  const { child, stderrTail } = spawnEntry(
    build,
    'bench-backfill-emulator.mjs',
    { BENCH_USERS: String(users) },
    ['--max-old-space-size=8192'],
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the emulator did not seed ${users} users within ${timeoutMs} ms`))
    }, timeoutMs)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (text: string) => {
      out += text
      const newline = out.indexOf('\n')
      if (newline < 0) return
      clearTimeout(timer)
      child.stdout?.removeAllListeners('data')
      child.stdout?.resume()
      try {
        const line = JSON.parse(out.slice(0, newline)) as Omit<EmulatorProcess, 'stop'>
        resolve({ ...line, stop })
      } catch (error) {
        child.kill('SIGKILL')
        reject(error)
      }
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the emulator exited (code ${code}, signal ${signal}):\n${stderrTail()}`))
    })
  })
}

export interface WebhookServerProcess {
  port: number
  /** Set when the server exited before `stop()`. */
  crashed(): string | null
  stop(): Promise<void>
}

/**
 * The bench's webhook server (bench/server/main.ts) with its warnings and errors on this
 * process's stderr (its per-event info lines dropped), so a non-2xx comes with its reason.
 */
export function startWebhookServer(
  build: ServerBuild,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<WebhookServerProcess> {
  const { child, stderrTail } = spawnEntry(build, 'bench-server.mjs', { ...env, PORT: '0' })
  child.stdout?.resume()
  let stopping = false
  let crash: string | null = null
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      if (!stopping) crash = `exited (code ${code}, signal ${signal}):\n${stderrTail()}`
      resolve()
    }),
  )
  const stop = async () => {
    stopping = true
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the webhook server did not start within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message?.type !== 'ready') return
      clearTimeout(timer)
      resolve({ port: message.port ?? 0, crashed: () => crash, stop })
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the webhook server ${crash ?? 'exited'}`))
    })
  })
}
