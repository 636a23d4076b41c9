/** `clerk-sync emulator --json` as a separate process, and what a test asks of it. */
import type { CliProcess } from './run-cli.js'

export interface StartedLine {
  kind: 'started'
  apiUrl: string
  secretKey: string
  publishableKey: string
  signingSecret: string
  jwtKey: string
  instanceId: string
  statePath: string | null
  stateRestored: boolean
  users: number
  detached: boolean
  pid: number
}

/** The JSON lines printed so far. */
export function jsonLines(cli: CliProcess): Array<Record<string, unknown>> {
  return cli.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}

export async function started(cli: CliProcess): Promise<StartedLine> {
  const [line] = await cli.waitFor(/^\{"kind":"started".*$/m)
  return JSON.parse(line) as StartedLine
}

/**
 * True while something answers HTTP at `apiUrl`. The timeout is generous: on a loaded machine a
 * live emulator may take more than a second, and a false "gone" would pass a test that it
 * stopped (and fail one that it runs). A stopped one refuses the connection at once.
 */
export async function answers(apiUrl: string, timeoutMs = 5000): Promise<boolean> {
  try {
    await fetch(`${apiUrl}/v1/jwks`, { signal: AbortSignal.timeout(timeoutMs) })
    return true
  } catch {
    return false
  }
}

/** Resolves once nothing answers at `apiUrl`; rejects after `timeoutMs`. */
export async function stopsAnswering(apiUrl: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (await answers(apiUrl)) {
    if (Date.now() > deadline) throw new Error(`${apiUrl} still answers after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
