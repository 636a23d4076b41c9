import { basename } from 'node:path'
import { UsageError } from '../usage-error.js'
import type { LoadedConfig } from './cli-config.js'

/**
 * Core's error code when `sync.queueStats()`/`replayDeadEvents()` run without
 * `createClerkSync({ queue })` (ErrorCode.QUEUE_MODE_REQUIRED; a string here because the config
 * may load another copy of @clerk-sync/core).
 */
const NOT_QUEUE_MODE_CODE = 'QUEUE_MODE_REQUIRED'

/**
 * Runs a queue-mode call on the config's `sync`. A `sync` built without a queue is the caller's
 * mistake, not a failure: a usage error (exit 2) naming what the config must pass. Told by the
 * error's name and code, not instanceof: the config may load another copy of @clerk-sync/core.
 */
export async function inQueueMode<T>(
  command: string,
  config: LoadedConfig,
  call: (sync: LoadedConfig['sync']) => Promise<T>,
): Promise<T> {
  const name = basename(config.path)
  if (typeof config.sync.queueStats !== 'function') {
    throw new UsageError(`${name}: \`sync\` has no queue mode: update @clerk-sync/core`, command)
  }
  try {
    return await call(config.sync)
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if (error instanceof Error && error.name === 'ClerkSyncError' && code === NOT_QUEUE_MODE_CODE) {
      throw new UsageError(
        `${name}: \`sync\` is not in queue mode. Its factory must return ` +
          'createClerkSync({ store, queue }) with the queue your webhook route uses, e.g. ' +
          'queue: pgBossQueue(boss) from @clerk-sync/queue-pg-boss (and close() must stop the boss).',
        command,
      )
    }
    throw error
  }
}
