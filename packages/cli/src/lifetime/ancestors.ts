import { readFileSync } from 'node:fs'

/** How deep to look: a wrapper chain (npm → sh → node) is a few levels, never this many. */
const MAX_DEPTH = 16

interface ProcessLinks {
  parent: number
  session: number
}

/** From /proc/<pid>/stat (Linux): undefined once the process is gone, or off Linux. */
function linksOf(pid: number): ProcessLinks | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name is in parentheses and may hold spaces or ')': fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { parent: Number(fields[1]), session: Number(fields[3]) }
  } catch {
    return undefined
  }
}

/**
 * The processes this one runs under, each with the parent it had: from our parent up to the
 * leader of our session (the shell of the terminal, say), included. Wrappers do not pass a
 * SIGKILL on: `npx clerk-sync emulator` runs `sh -c clerk-sync emulator`, and when npx is killed
 * the shell lives on, waiting for us, so our own parent never changes. A parent in another
 * session (we were started with `setsid`) is watched alone: what is above it is not ours. Off
 * Linux only the parent is known.
 */
export function ancestry(): Array<{ pid: number; parent: number | undefined }> {
  const chain: Array<{ pid: number; parent: number | undefined }> = []
  const ownSession = process.platform === 'linux' ? linksOf(process.pid)?.session : undefined
  let pid = process.ppid
  while (pid > 1 && chain.length < MAX_DEPTH) {
    const links = process.platform === 'linux' ? linksOf(pid) : undefined
    chain.push({ pid, parent: links?.parent })
    if (!links || links.session === pid || links.session !== ownSession) break
    pid = links.parent
  }
  return chain
}

/**
 * Whether a process of `chain` has gone: ours has another parent now, or one of the others has
 * (a dead process's children are handed to init or a subreaper), or can no longer be read.
 */
export function ancestryBroken(chain: ReturnType<typeof ancestry>): boolean {
  if (chain.length === 0) return false
  if (process.ppid !== chain[0]!.pid) return true
  for (const { pid, parent } of chain) {
    if (parent === undefined) continue
    if (linksOf(pid)?.parent !== parent) return true
  }
  return false
}
