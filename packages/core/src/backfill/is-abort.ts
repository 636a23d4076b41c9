/** The rejection of a call stopped by `signal` (its reason), as opposed to a real failure. */
export function isAbortOf(signal: AbortSignal | undefined, error: unknown): boolean {
  return signal?.aborted === true && (error === signal.reason || isAbortError(error))
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError'
}
