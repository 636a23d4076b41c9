/**
 * One bench server process: `node [execArgv] bench-server.mjs`, started and stopped like the chaos
 * harness's `startFleet` (it answers `{ type: 'ready', port }` over IPC; stop is SIGTERM, then
 * SIGKILL after a grace period), plus node flags of its own: `--cpu-prof` is not allowed in
 * NODE_OPTIONS, so profiling needs the flag on the command line. Exits nobody asked for are kept
 * with the server's last output lines.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface ServerProcessOptions {
  entry: string
  cwd: string
  /** The server's environment, besides PATH and NODE_ENV. */
  env: Record<string, string>
  /** Flags for node before the entry, e.g. `--cpu-prof`. */
  execArgv?: string[]
  /** Default 60 s. */
  startTimeoutMs?: number
}

export interface ServerExit {
  code: number | null
  signal: NodeJS.Signals | null
  lastLines: string[]
}

export interface ServerProcess {
  readonly port: number
  readonly pid: number
  /** Exits before stop() was called: a crash of the server itself. */
  unexpectedExit(): ServerExit | null
  stop(): Promise<void>
}

const TAIL_LINES = 30
/** Long enough for a server started with --cpu-prof to write its profile on the way out. */
const STOP_GRACE_MS = 15_000

export function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.execArgv ?? []), options.entry],
    {
      cwd: options.cwd,
      // A clean environment: nothing of the runner's leaks into the app.
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...options.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  )
  const lines: string[] = []
  for (const stream of [child.stdout, child.stderr]) {
    let partial = ''
    stream?.setEncoding('utf8')
    stream?.on('data', (text: string) => {
      const parts = (partial + text).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
      if (lines.length > TAIL_LINES) lines.splice(0, lines.length - TAIL_LINES)
    })
  }
  let stopping = false
  let crash: ServerExit | null = null
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!stopping) crash = { code, signal, lastLines: [...lines] }
      resolve()
    })
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    stopping = true
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup()
      child.kill('SIGKILL')
      reject(new Error(`bench server did not start within ${startTimeoutMs} ms`))
    }, startTimeoutMs)
    const onMessage = (message: unknown) => {
      const ready = message as { type?: string; port?: number }
      if (ready?.type !== 'ready') return
      cleanup()
      resolve({
        port: ready.port ?? 0,
        pid: child.pid ?? 0,
        unexpectedExit: () => crash,
        stop,
      })
    }
    const onExit = (code: number | null, signal: string | null) => {
      cleanup()
      reject(
        new Error(
          `bench server exited while starting (code ${code}, signal ${signal}):\n${lines.join('\n')}`,
        ),
      )
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}
