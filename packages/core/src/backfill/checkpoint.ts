import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

/**
 * Where a scan of Clerk's users (ordered by `created_at`) stands, JSON-serialisable: persist it
 * after each `onProgress` and pass it back as `resumeFrom` to go on from there, re-reading at most
 * one page.
 */
export interface BackfillCheckpoint {
  version: 1
  /** The `created_at` (ms) of the newest user handed over; null before the first page. */
  createdAt: number | null
  /**
   * The ids handed over whose `created_at` equals `createdAt` (imported users often share one):
   * the latest 5,000 of them, so a long run keeps the checkpoint small.
   */
  seenAtCreatedAt: string[]
  /** How many users at `createdAt` were handed over, when more than `seenAtCreatedAt` keeps. */
  seenCount?: number
}

export function initialCheckpoint(): BackfillCheckpoint {
  return { version: 1, createdAt: null, seenAtCreatedAt: [] }
}

/** A `resumeFrom` read back from a file is checked, so a corrupt one fails before any request. */
export function checkCheckpoint(value: unknown): BackfillCheckpoint {
  const checkpoint = value as Partial<BackfillCheckpoint> | null
  const valid =
    typeof checkpoint === 'object' &&
    checkpoint !== null &&
    checkpoint.version === 1 &&
    (checkpoint.createdAt === null ||
      (typeof checkpoint.createdAt === 'number' && Number.isSafeInteger(checkpoint.createdAt))) &&
    Array.isArray(checkpoint.seenAtCreatedAt) &&
    checkpoint.seenAtCreatedAt.every((id) => typeof id === 'string') &&
    (checkpoint.createdAt !== null || checkpoint.seenAtCreatedAt.length === 0) &&
    (checkpoint.seenCount === undefined ||
      (Number.isSafeInteger(checkpoint.seenCount) &&
        checkpoint.seenCount >= checkpoint.seenAtCreatedAt.length))
  if (!valid) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'backfill: `resumeFrom` is not a checkpoint clerk-sync wrote ({ version: 1, createdAt, seenAtCreatedAt }); start again without it.',
    )
  }
  return {
    version: 1,
    createdAt: checkpoint.createdAt as number | null,
    seenAtCreatedAt: [...(checkpoint.seenAtCreatedAt as string[])],
    ...(checkpoint.seenCount !== undefined ? { seenCount: checkpoint.seenCount } : {}),
  }
}
