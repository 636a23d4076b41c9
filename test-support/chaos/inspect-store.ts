import { spawn } from 'node:child_process'
import type { ServerBuild } from './build-server.js'

/** A user as the store's getUser returned it, through JSON (dates as ISO strings). */
export type StoredUserJSON = Record<string, unknown> & { id: string }

export interface StoreView {
  /** getUser(id) for every id asked about: null when unknown or deleted. */
  users: Record<string, StoredUserJSON | null>
  /** Every id listUsers pages through. */
  listed: string[]
  countsByRole: Record<string, number>
}

const INSPECT_TIMEOUT_MS = 120_000

/**
 * Runs the built inspector (server/inspect.ts) in its own process with the servers' store
 * configuration, straight to the database (no proxy), and returns the store's view.
 */
export function inspectStore(
  build: ServerBuild,
  env: Record<string, string>,
  ids: string[],
): Promise<StoreView> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [build.inspectEntry], {
      cwd: build.dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text
    })
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      err += text
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), INSPECT_TIMEOUT_MS)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) {
        reject(new Error(`store inspector failed (code ${code}, signal ${signal}):\n${err}`))
        return
      }
      try {
        resolve(JSON.parse(out) as StoreView)
      } catch (error) {
        reject(error)
      }
    })
    child.stdin.end(JSON.stringify(ids))
  })
}
