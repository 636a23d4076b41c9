/**
 * The queue bench's app processes seen from the coordinator: `node bench-queue-app.mjs` in the
 * built app directory with a clean environment, ready once it says so over IPC, then asked for
 * its CPU time or the queue's stats. Every process is tracked so `killAllApps` can end them on a
 * failure or Ctrl-C; an exit nobody asked for is kept with its last output.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type { QueueStats } from '@clerk-sync/core'
import type { ServerBuild } from '../../test-support/chaos/index.js'

const children = new Set<ChildProcess>()

export function killAllApps(): void {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}

export interface AppProcess {
  readonly role: 'web' | 'worker'
  /** 0 for a worker. */
  readonly port: number
  /** CPU time (user + system) since the previous call, or since start. */
  cpuMs(): Promise<number>
  stats(): Promise<QueueStats>
  /** A worker: stops applying jobs (resolves once its batches in hand are settled). */
  pause(): Promise<void>
  resume(): Promise<void>
  /** Set when the process exited before `stop()`. */
  crashed(): string | null
  stop(): Promise<void>
}

const ASK_TIMEOUT_MS = 15_000

export function startAppProcess(
  build: ServerBuild,
  role: 'web' | 'worker',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [join(build.dir, 'bench-queue-app.mjs')], {
    cwd: build.dir,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env, BENCH_ROLE: role },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  children.add(child)
  let tail = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8')
    stream?.on('data', (text: string) => {
      tail = (tail + text).slice(-4000)
      if (stream === child.stderr) process.stderr.write(text.replace(/^(?=.)/gm, `  [${role}] `))
    })
  }
  let stopping = false
  let crash: string | null = null
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child)
      if (!stopping) crash = `${role} exited (code ${code}, signal ${signal}):\n${tail}`
      resolve()
    }),
  )
  const ask = <T>(type: string, pick: (reply: Record<string, unknown>) => T): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onReply)
        reject(new Error(`${role} did not answer ${type} within ${ASK_TIMEOUT_MS} ms`))
      }, ASK_TIMEOUT_MS)
      const onReply = (reply: Record<string, unknown>) => {
        if (reply?.type !== type) return
        clearTimeout(timer)
        child.off('message', onReply)
        resolve(pick(reply))
      }
      child.on('message', onReply)
      child.send({ type })
    })
  const stop = async () => {
    stopping = true
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${role} did not start within ${timeoutMs} ms:\n${tail}`))
    }, timeoutMs)
    const onReady = (message: { type?: string; port?: number }) => {
      if (message?.type !== 'ready') return
      clearTimeout(timer)
      child.off('message', onReady)
      resolve({
        role,
        port: message.port ?? 0,
        cpuMs: () => ask('cpu', (reply) => reply.cpuMs as number),
        stats: () => ask('stats', (reply) => reply.stats as QueueStats),
        pause: () => ask('pause', () => undefined),
        resume: () => ask('resume', () => undefined),
        crashed: () => crash,
        stop,
      })
    }
    child.on('message', onReady)
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(crash ?? `${role} exited while starting`))
    })
  })
}
