import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'
import type { ClerkUserJSON } from '../mapping/clerk-user-json.js'

/**
 * The part of `@clerk/backend`'s client the role manager uses, typed structurally so core does not
 * depend on it: `createClerkClient({ secretKey })` fits (and so does one pointed at the emulator).
 */
export interface ClerkUserResource {
  id: string
  /** The JSON Clerk sent; `@clerk/backend` keeps it on every resource. */
  raw?: object | null
}

export interface ClerkClientLike {
  users: {
    getUser(userId: string): Promise<ClerkUserResource>
    updateUserMetadata(
      userId: string,
      params: { publicMetadata: Record<string, unknown> },
    ): Promise<ClerkUserResource>
    getUserList(params?: {
      limit?: number
      offset?: number
      orderBy?: string
    }): Promise<{ data: ClerkUserResource[]; totalCount: number }>
  }
}

interface ApiErrorLike {
  status?: number
  retryAfter?: number
  errors?: Array<{ code?: string; message?: string }>
}

export function clerkErrorStatus(error: unknown): number | undefined {
  const status = (error as ApiErrorLike)?.status
  return typeof status === 'number' ? status : undefined
}

/** Seconds from a 429's Retry-After, when Clerk sent one. */
export function clerkRetryAfter(error: unknown): number | undefined {
  const seconds = (error as ApiErrorLike)?.retryAfter
  return typeof seconds === 'number' && seconds >= 0 ? seconds : undefined
}

export function userJsonOf(resource: ClerkUserResource): ClerkUserJSON {
  if (!resource?.raw) {
    throw new ClerkSyncError(
      ErrorCode.CONFIG_INVALID,
      'The Clerk client returned a user without its JSON (`raw`); use @clerk/backend’s createClerkClient.',
    )
  }
  return resource.raw as ClerkUserJSON
}

/** A Clerk call's failure as one ClerkSyncError: 404 → USER_NOT_FOUND, anything else → CLERK_API_FAILED. */
export function clerkFailure(error: unknown, userId: string): ClerkSyncError {
  if (error instanceof ClerkSyncError) return error
  const status = clerkErrorStatus(error)
  if (status === 404)
    return new ClerkSyncError(ErrorCode.USER_NOT_FOUND, `User ${userId} does not exist in Clerk`, {
      cause: error,
    })
  const code = (error as ApiErrorLike)?.errors?.[0]?.code
  const detail = status
    ? `HTTP ${status}${code ? ` ${code}` : ''}`
    : error instanceof Error
      ? error.message.split('\n')[0]
      : 'unknown error'
  return new ClerkSyncError(
    ErrorCode.CLERK_API_FAILED,
    `Clerk's Backend API failed (${detail}); nothing was changed`,
    { cause: error },
  )
}
