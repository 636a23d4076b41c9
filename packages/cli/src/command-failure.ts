/** A failure whose message says all the user needs (a config that cannot load): exit 1, no stack. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly command: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'CommandFailure'
  }
}

/**
 * clerk-sync's own errors (a `code` and a message naming the fix) read without a stack. Told by
 * name and code, not instanceof: the config may load another copy of @clerk-sync/core.
 */
export function clerkSyncErrorText(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ClerkSyncError') return null
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? `${code}: ${error.message}` : null
}
