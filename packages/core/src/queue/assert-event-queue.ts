import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { EventQueue } from './event-queue.js'

const METHODS = ['enqueue', 'work', 'stats', 'replayDead'] as const

/** Refuses, at start-up, a `queue` option that is not an `EventQueue` (a raw PgBoss, say). */
export function assertEventQueue(queue: unknown): asserts queue is EventQueue {
  const missing: string[] =
    typeof queue === 'object' && queue !== null
      ? METHODS.filter((name) => typeof (queue as Record<string, unknown>)[name] !== 'function')
      : [...METHODS]
  // Logs, spans and `clerk-sync queue status` name the queue by it.
  if (typeof (queue as { description?: unknown } | null)?.description !== 'string') {
    missing.push('description (a string)')
  }
  if (missing.length === 0) return
  throw new ClerkSyncError(
    ErrorCode.CONFIG_INVALID,
    `createClerkSync: \`queue\` must be an EventQueue (lacks ${missing.join(', ')}); wrap your engine, e.g. pgBossQueue(boss) from @clerk-sync/queue-pg-boss.`,
  )
}
