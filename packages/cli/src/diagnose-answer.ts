import { ErrorCode } from '@clerk-sync/core'

/** What an endpoint answered, as far as the diagnosis needs it. */
export interface EndpointAnswer {
  status: number
  headers: Headers
  body: unknown
}

export type Verdict =
  /** clerk-sync answered and refused the unsigned probe: the route is public and verifying. */
  | 'ok'
  /** clerkMiddleware (or another auth layer) answered in clerk-sync's place. */
  | 'protected'
  /** clerk-sync answered, but with an error the app must fix (parsed body, store down, …). */
  | 'clerk-sync-error'
  /** A 2xx to a request with a bad signature: whatever is there does not verify. */
  | 'not-verifying'
  /** Something else answered (wrong path, another server). */
  | 'not-clerk-sync'

export interface Diagnosis {
  verdict: Verdict
  /** One or two sentences for a person; names the fix when there is one. */
  explanation: string
}

const OUTCOMES = new Set(['applied', 'duplicate', 'stale', 'ignored', 'rejected', 'failed'])

/** clerk-sync's webhook answers are JSON `{ outcome, message, code? }`. */
export function clerkSyncAnswer(
  body: unknown,
): { outcome: string; message: string; code?: string } | null {
  if (typeof body !== 'object' || body === null) return null
  const { outcome, message, code } = body as Record<string, unknown>
  if (typeof outcome !== 'string' || !OUTCOMES.has(outcome) || typeof message !== 'string')
    return null
  return { outcome, message, ...(typeof code === 'string' ? { code } : {}) }
}

export const PUBLIC_ROUTE_FIX =
  "Svix calls this route without a Clerk session. Make it public in clerkMiddleware: createRouteMatcher(['/api/webhooks(.*)']) and skip auth.protect() for it (see @clerk-sync/next's README)."

/**
 * Why an endpoint answered a webhook the way it did. Clerk's middleware marks what it answers with
 * `x-clerk-auth-status` / `x-clerk-auth-reason`; it also sets them on requests it lets through, so
 * they count only when clerk-sync's own answer is missing.
 */
export function diagnoseAnswer(answer: EndpointAnswer, options: { probe: boolean }): Diagnosis {
  const ours = clerkSyncAnswer(answer.body)
  if (ours) {
    if (answer.status >= 200 && answer.status < 300) {
      return options.probe
        ? {
            verdict: 'not-verifying',
            explanation:
              'clerk-sync accepted an unsigned probe, which cannot happen: check what runs at this URL.',
          }
        : { verdict: 'ok', explanation: `clerk-sync answered: ${ours.message}` }
    }
    if (options.probe && ours.code === ErrorCode.SIGNATURE_INVALID) {
      return {
        verdict: 'ok',
        explanation:
          'clerk-sync answered and refused the unsigned probe, as it should: the route is reachable, public and verifying signatures.',
      }
    }
    return {
      verdict: 'clerk-sync-error',
      explanation: `clerk-sync answered ${answer.status}${ours.code ? ` ${ours.code}` : ''}: ${ours.message}`,
    }
  }
  const authStatus = answer.headers.get('x-clerk-auth-status')
  const authReason = answer.headers.get('x-clerk-auth-reason')
  const location = answer.headers.get('location') ?? ''
  const redirected = answer.status >= 300 && answer.status < 400
  if (authStatus || authReason || (redirected && /sign-?in/i.test(location))) {
    const clerkSays = [authStatus, authReason].filter(Boolean).join(', ')
    return {
      verdict: 'protected',
      explanation: `Clerk's middleware answered ${answer.status}${redirected && location ? ` (redirect to ${location})` : ''}${clerkSays ? ` [${clerkSays}]` : ''} instead of clerk-sync: the webhook route is protected. ${PUBLIC_ROUTE_FIX}`,
    }
  }
  if (answer.status >= 200 && answer.status < 300) {
    return {
      verdict: 'not-verifying',
      explanation: options.probe
        ? `The endpoint answered ${answer.status} to a webhook with a bad signature, and not as clerk-sync does: it does not verify signatures. Is clerk-sync mounted at this URL?`
        : `The endpoint answered ${answer.status}, not as clerk-sync does: is clerk-sync mounted at this URL?`,
    }
  }
  const hint =
    answer.status === 401 || answer.status === 403 || answer.status === 404 || redirected
      ? ` If an auth middleware runs on this path, that is the likely cause. ${PUBLIC_ROUTE_FIX}`
      : ''
  return {
    verdict: 'not-clerk-sync',
    explanation: `Something other than clerk-sync answered ${answer.status}: check the URL and that the route is mounted.${hint}`,
  }
}
