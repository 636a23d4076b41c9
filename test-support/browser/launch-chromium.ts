/**
 * Headless Chromium for browser tests: Debian's `chromium` package, driven by the caller's
 * `playwright-core` (no browser download). On a laptop without it the tests are skipped with a
 * visible notice; under CI=true they fail.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Quiet, sandbox-free (containers), nothing phoning home, no first-run UI. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
]

/** False when Chromium is there; otherwise the reason its tests are skipped (throws under CI). */
export function chromiumUnavailable(): string | false {
  try {
    accessSync(chromiumPath, constants.X_OK)
    return false
  } catch {
    const reason = `Chromium is not at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`
    if (process.env.CI) throw new Error(`${reason}; browser tests must run under CI=true`)
    console.warn(`\n[clerk-sync tests] SKIPPING browser tests: ${reason}\n`)
    return reason
  }
}

/** The part of playwright-core's `chromium` this needs, so test-support does not depend on it. */
export interface PersistentContextLauncher<Context extends { close(): Promise<void> }> {
  launchPersistentContext(
    userDataDir: string,
    options: { executablePath: string; args: string[]; headless: boolean },
  ): Promise<Context>
}

export interface LaunchedChromium<Context> {
  context: Context
  /** Closes the browser and removes its profile. */
  close(): Promise<void>
}

/**
 * Chromium with a fresh user-data dir in the temp directory (no cookies, no history from another
 * run). Pass playwright-core's `chromium`.
 */
export async function launchChromium<Context extends { close(): Promise<void> }>(
  chromium: PersistentContextLauncher<Context>,
): Promise<LaunchedChromium<Context>> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'clerk-sync-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      args: CHROMIUM_ARGS,
      headless: true,
    })
    return {
      context,
      async close() {
        await context.close()
        rmSync(userDataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true })
    throw error
  }
}
