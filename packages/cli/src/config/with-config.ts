import type { LoadedConfig } from './cli-config.js'
import { findConfigFile } from './config-file.js'
import { exitAfterClose } from './exit-after-close.js'
import { loadConfig } from './load-config.js'

/** Loads the config, runs `body` with it, and always closes it, so the process can exit. */
export async function withConfig<T>(
  command: string,
  explicitPath: string | undefined,
  body: (config: LoadedConfig) => Promise<T>,
): Promise<T> {
  const path = findConfigFile(command, process.cwd(), explicitPath)
  try {
    const config = await loadConfig(command, path)
    try {
      return await body(config)
    } finally {
      await config.close()
    }
  } finally {
    exitAfterClose(path)
  }
}
