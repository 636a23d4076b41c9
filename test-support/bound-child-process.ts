import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const boundToParent = fileURLToPath(new URL('./bound-to-parent.mjs', import.meta.url))

/** How long a server has to stop on SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 5_000

/**
 * `node <args>` as a process of its own that ends with this one: preloaded with
 * bound-to-parent.mjs, it stops itself (SIGTERM, then SIGKILL) once this process is gone, however
 * it ended. The returned pid is the Node process running `args` itself, not a launcher, so
 * killing it frees its port. Pass no `stdio`: stdin must be the pipe this process holds.
 * `node` runs it on another Node binary than this process's own (see node-runtime.ts).
 */
export function spawnBoundChild(
  args: string[],
  options: Omit<SpawnOptions, 'stdio'> & { env: NodeJS.ProcessEnv; node?: string },
): ChildProcess {
  const { node = process.execPath, ...spawnOptions } = options
  return spawn(node, ['--import', boundToParent, ...args], {
    ...spawnOptions,
    env: { ...options.env, BOUND_TO_PARENT_PID: String(process.pid) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** SIGTERM, as Ctrl-C or a container stop would send; SIGKILL if still running after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  const done = exited(child)
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await done
  clearTimeout(timer)
}
