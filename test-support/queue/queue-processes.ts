/**
 * The web and worker processes of a queue-mode deployment, each `node --import tsx
 * --conditions=@clerk-sync/source` on its entry (workspace packages from their sources, as the
 * other spawned test servers run), bound to the test process (bound-child-process.ts) so none
 * outlives it. A process can be SIGKILLed and restarted (a web process on its port); every exit
 * nobody asked for is recorded with the process's last lines.
 */
import type { ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { exited, spawnBoundChild, stopChild } from '../bound-child-process.js'

export type QueueProcessKind = 'web' | 'worker'

export interface UnexpectedExit {
  name: string
  code: number | null
  signal: NodeJS.Signals | null
  lastLines: string
}

export interface QueueProcess {
  /** `web 0`, `worker 1`… */
  readonly name: string
  readonly pid: number
  /** A web process's address, e.g. `http://127.0.0.1:40123`; empty for a worker. */
  readonly url: string
  readonly port: number
  /** Everything it printed since it (re)started, stdout and stderr. */
  output(): string
  /** Sends `signal` (default SIGKILL) and resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again (a web process on its port); resolves once it is ready. */
  restart(): Promise<void>
  /** SIGTERM, SIGKILL after a grace period; resolves with its output once it exited. */
  stop(): Promise<string>
}

const tsxLoader = createRequire(import.meta.url).resolve('tsx')
const ENTRIES: Record<QueueProcessKind, string> = {
  web: fileURLToPath(new URL('./web-process.ts', import.meta.url)),
  worker: fileURLToPath(new URL('./worker-process.ts', import.meta.url)),
}
const READY: Record<QueueProcessKind, RegExp> = {
  web: /listening on (http:\/\/127\.0\.0\.1:(\d+))/,
  worker: /worker ready/,
}
const TAIL_CHARS = 4000

export async function startQueueProcess(
  kind: QueueProcessKind,
  name: string,
  env: Record<string, string>,
  unexpected: UnexpectedExit[],
  timeoutMs = 45_000,
): Promise<QueueProcess> {
  let child: ChildProcess
  let chunks: string[] = []
  let expecting = false
  let url = ''
  let port = 0
  const output = () => chunks.join('')

  function launch(): Promise<void> {
    chunks = []
    expecting = false
    child = spawnBoundChild(
      ['--import', tsxLoader, '--conditions=@clerk-sync/source', ENTRIES[kind]],
      { env: { ...process.env, ...env, PORT: String(port) } },
    )
    const current = child
    current.stdout?.on('data', (chunk) => chunks.push(String(chunk)))
    current.stderr?.on('data', (chunk) => chunks.push(String(chunk)))
    current.once('exit', (code, signal) => {
      if (!expecting)
        unexpected.push({ name, code, signal, lastLines: output().slice(-TAIL_CHARS) })
    })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        current.kill('SIGKILL')
        reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output()}`))
      }, timeoutMs)
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer)
        reject(new Error(`${name} exited (${signal ?? code}) while starting:\n${output()}`))
      }
      current.once('exit', onExit)
      const onData = () => {
        const ready = READY[kind].exec(output())
        if (!ready) return
        clearTimeout(timer)
        current.off('exit', onExit)
        current.stdout?.off('data', onData)
        if (kind === 'web') {
          url = ready[1] as string
          port = Number(ready[2])
        }
        resolve()
      }
      current.stdout?.on('data', onData)
    })
  }

  await launch()
  return {
    name,
    get pid() {
      return child.pid ?? 0
    },
    get url() {
      return url
    },
    get port() {
      return port
    },
    output,
    async kill(signal = 'SIGKILL') {
      expecting = true
      const done = exited(child)
      child.kill(signal)
      await done
    },
    restart: launch,
    async stop() {
      expecting = true
      await stopChild(child)
      return output()
    },
  }
}

export interface QueueCluster {
  web: QueueProcess[]
  workers: QueueProcess[]
  /** Exits nobody asked for: a crash, with the last lines printed. */
  readonly unexpectedExits: UnexpectedExit[]
  /** Stops every process (all at once); safe to call twice. */
  stop(): Promise<void>
}

/** `web` web processes and `workers` worker processes, started together as a deploy starts them. */
export async function startQueueCluster(options: {
  web: number
  workers: number
  env: Record<string, string>
}): Promise<QueueCluster> {
  const unexpectedExits: UnexpectedExit[] = []
  const started: QueueProcess[] = []
  const start = (kind: QueueProcessKind, count: number) =>
    Array.from({ length: count }, async (_, i) => {
      const member = await startQueueProcess(kind, `${kind} ${i}`, options.env, unexpectedExits)
      started.push(member)
      return member
    })
  const stop = async () => {
    await Promise.all(started.map((member) => member.stop()))
  }
  const web = start('web', options.web)
  const workers = start('worker', options.workers)
  const all = await Promise.allSettled([...web, ...workers])
  const failed = all.find((result) => result.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  return {
    web: await Promise.all(web),
    workers: await Promise.all(workers),
    unexpectedExits,
    stop,
  }
}
