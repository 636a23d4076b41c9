import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { UsageError } from '../usage-error.js'

/** The names looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'clerk-sync.config.ts',
  'clerk-sync.config.mts',
  'clerk-sync.config.js',
  'clerk-sync.config.mjs',
] as const

/** The config file to load: `--config <path>` when given, else the first name found in `cwd`. */
export function findConfigFile(command: string, cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit)
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new UsageError(`--config ${explicit}: no such file (${path})`, command)
    }
    return path
  }
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(cwd, name)
    if (existsSync(path)) return path
  }
  throw new UsageError(
    `no config file: looked for ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}. Create one that ` +
      'default-exports a factory returning { sync, clerk, close } (see the README), or pass ' +
      '--config <path>.',
    command,
  )
}
