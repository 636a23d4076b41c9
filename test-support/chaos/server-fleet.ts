/**
 * N server processes built from one entry, each a real `node` child: started, killed with any
 * signal, restarted on the same port. Every exit the fleet did not cause is recorded, so a test
 * can require that no request made a server exit.
 */
import { type ChildProcess, spawn } from 'node:child_process'

export interface FleetOptions {
  /** The built server (see build-server.ts). */
  entry: string
  /** Working directory: the app's directory. */
  cwd: string
  count: number
  /** The servers' environment, besides PATH and PORT. */
  env: Record<string, string>
  /** How long a server may take to say it listens. Default 60 s. */
  startTimeoutMs?: number
}

export interface ExitRecord {
  index: number
  pid: number
  code: number | null
  signal: NodeJS.Signals | null
  /** True when the fleet sent the signal (a crash it injected, or stop()). */
  expected: boolean
  /** The server's last output lines before it exited. */
  lastLines: string[]
}

export interface ServerFleet {
  /** The servers' ports, stable across restarts. */
  readonly ports: number[]
  pid(index: number): number
  /** Kills server `index` with `signal` and waits for it to exit. */
  kill(index: number, signal?: NodeJS.Signals): Promise<ExitRecord>
  /** Starts server `index` again, on its port; resolves once it listens. */
  restart(index: number): Promise<void>
  /** Exits nobody asked for: a crash of the server itself. */
  unexpectedExits(): ExitRecord[]
  exits(): ExitRecord[]
  /** Lines the servers printed matching `pattern`, counted over every process so far. */
  countLines(pattern: RegExp): number
  /** The last output lines of server `index`. */
  tail(index: number): string[]
  stop(): Promise<void>
}

const TAIL_LINES = 200
const STOP_GRACE_MS = 5000

interface Slot {
  index: number
  port: number
  child: ChildProcess | null
  expecting: boolean
  lines: string[]
}

export async function startFleet(options: FleetOptions): Promise<ServerFleet> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000
  const slots: Slot[] = []
  const exits: ExitRecord[] = []
  const allLines: string[] = []
  const exitWaiters = new Map<ChildProcess, Promise<ExitRecord>>()

  function record(slot: Slot, line: string): void {
    slot.lines.push(line)
    if (slot.lines.length > TAIL_LINES) slot.lines.shift()
    allLines.push(line)
  }

  function launch(slot: Slot): Promise<void> {
    const child = spawn(process.execPath, [options.entry], {
      cwd: options.cwd,
      // A clean environment: nothing of the test runner's leaks into the app.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        ...options.env,
        PORT: String(slot.port),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    slot.child = child
    slot.expecting = false
    for (const stream of [child.stdout, child.stderr]) {
      let partial = ''
      stream?.setEncoding('utf8')
      stream?.on('data', (text: string) => {
        const parts = (partial + text).split('\n')
        partial = parts.pop() ?? ''
        for (const line of parts) record(slot, line)
      })
    }
    exitWaiters.set(
      child,
      new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          const entry: ExitRecord = {
            index: slot.index,
            pid: child.pid ?? 0,
            code,
            signal,
            expected: slot.expecting,
            lastLines: slot.lines.slice(-30),
          }
          exits.push(entry)
          if (slot.child === child) slot.child = null
          resolve(entry)
        })
      }),
    )
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        child.kill('SIGKILL')
        reject(new Error(`server ${slot.index} did not start within ${startTimeoutMs} ms`))
      }, startTimeoutMs)
      const onMessage = (message: unknown) => {
        const ready = message as { type?: string; port?: number }
        if (ready?.type !== 'ready') return
        cleanup()
        slot.port = ready.port ?? slot.port
        resolve()
      }
      const onExit = (code: number | null, signal: string | null) => {
        cleanup()
        reject(
          new Error(
            `server ${slot.index} exited while starting (code ${code}, signal ${signal}):\n${slot.lines.slice(-20).join('\n')}`,
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

  async function kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitRecord> {
    const slot = slots[index]
    if (!slot?.child) {
      const last = exits.filter((exit) => exit.index === index).at(-1)
      throw new Error(
        `server ${index} is not running${last ? `: it exited (code ${last.code}, signal ${last.signal}):\n${last.lastLines.join('\n')}` : ''}`,
      )
    }
    const child = slot.child
    slot.expecting = true
    const exited = exitWaiters.get(child)!
    child.kill(signal)
    return exited
  }

  const fleet: ServerFleet = {
    get ports() {
      return slots.map((slot) => slot.port)
    },
    pid: (index) => slots[index]?.child?.pid ?? 0,
    kill,
    async restart(index) {
      const slot = slots[index]
      if (!slot) throw new Error(`no server ${index}`)
      if (slot.child) throw new Error(`server ${index} is still running`)
      await launch(slot)
    },
    unexpectedExits: () => exits.filter((exit) => !exit.expected),
    exits: () => [...exits],
    countLines: (pattern) => allLines.filter((line) => pattern.test(line)).length,
    tail: (index) => [...(slots[index]?.lines ?? [])],
    async stop() {
      await Promise.all(
        slots.map(async (slot) => {
          const child = slot.child
          if (!child) return
          slot.expecting = true
          const exited = exitWaiters.get(child)!
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
          await exited
          clearTimeout(timer)
        }),
      )
    },
  }

  try {
    // All at once, as a deploy starts its replicas (their start-up migrations race, safely).
    // Each takes an ephemeral port; a restart reuses it.
    for (let index = 0; index < options.count; index++)
      slots.push({ index, port: 0, child: null, expecting: false, lines: [] })
    await Promise.all(slots.map((slot) => launch(slot)))
  } catch (error) {
    await fleet.stop()
    throw error
  }
  return fleet
}
