import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import { clerkStatusOf } from './with-clerk-retries.js'

/** A Clerk call's failure (after its retries) as one `ClerkSyncError('CLERK_API_FAILED')`. */
export function clerkApiFailure(error: unknown, what: string): ClerkSyncError {
  if (error instanceof ClerkSyncError) return error
  const status = clerkStatusOf(error)
  const code = (error as { errors?: Array<{ code?: unknown }> } | null)?.errors?.[0]?.code
  const detail = status
    ? `HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''}`
    : error instanceof Error
      ? (error.message.split('\n')[0] ?? 'unknown error')
      : 'unknown error'
  const hint = status === 401 || status === 403 ? '; check the secret key' : ''
  return new ClerkSyncError(
    ErrorCode.CLERK_API_FAILED,
    `${what}: Clerk's Backend API failed (${detail})${hint}`,
    { cause: error },
  )
}
