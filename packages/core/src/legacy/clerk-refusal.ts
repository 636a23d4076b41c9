import { clerkStatusOf } from '../clerk-api/with-clerk-retries.js'

interface ClerkErrorDetail {
  code?: unknown
  message?: unknown
  meta?: { paramName?: unknown; param_name?: unknown }
}

/** Why Clerk refused one user, when the refusal is about that user and not about the run. */
export interface ClerkRefusal {
  kind: 'conflict' | 'rejected_hash'
  /** The identifier Clerk says is taken, when it is one. */
  takenIdentifier: string | null
  reason: string
}

const PASSWORD_PARAMS = new Set(['password_digest', 'password_hasher'])

/**
 * A 400 or 422 from `POST /v1/users` is about the user sent (a taken email, a digest Clerk cannot
 * parse) and the next user may well go through. Anything else (401 for a wrong key, 5xx after the
 * retries, a network failure) would fail every user alike, so it is not a refusal: the run stops.
 * Reasons name Clerk's error code and parameter, never the email or the digest.
 */
export function clerkRefusal(error: unknown): ClerkRefusal | null {
  const status = clerkStatusOf(error)
  if (status !== 400 && status !== 422) return null
  const details = (error as { errors?: ClerkErrorDetail[] }).errors
  const first = Array.isArray(details) ? details[0] : undefined
  const code = typeof first?.code === 'string' ? first.code : 'unknown_error'
  const rawParam = first?.meta?.paramName ?? first?.meta?.param_name
  const param = typeof rawParam === 'string' ? rawParam : null
  const message = typeof first?.message === 'string' ? `: ${first.message}` : ''
  if (param !== null && PASSWORD_PARAMS.has(param)) {
    return {
      kind: 'rejected_hash',
      takenIdentifier: null,
      reason: `Clerk refused the password digest (HTTP ${status} ${code} on ${param}${message})`,
    }
  }
  if (code === 'form_identifier_exists') {
    return {
      kind: 'conflict',
      takenIdentifier: param,
      reason: `${param === 'email_address' ? 'the email address' : (param ?? 'an identifier')} already belongs to another Clerk user (${code})`,
    }
  }
  return {
    kind: 'conflict',
    takenIdentifier: null,
    reason: `Clerk refused the user (HTTP ${status} ${code}${param ? ` on ${param}` : ''}${message})`,
  }
}
