/**
 * Why a fetch got no answer. fetch says only "fetch failed"; the socket's reason (ECONNREFUSED, a
 * bad port…) is its cause. An AbortSignal.timeout reads as `timeout`.
 */
export function fetchFailureReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return (error as Error).name === 'TimeoutError'
    ? 'timeout'
    : (cause?.code ?? cause?.message ?? (error as Error).message)
}
