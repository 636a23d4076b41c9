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

export type Framework = 'next' | 'express' | 'fastify' | 'hono'

/** How to let Svix through, per framework: each keeps its auth on every other route. */
const PUBLIC_ROUTE_FIXES: Record<Framework, string> = {
  next: 'Keep the webhook route out of auth checks: run plain clerkMiddleware() (it protects nothing by path), let each page and route check its caller itself, and do not call auth.protect() in the webhook route. With an older @clerk/nextjs that protects paths through createRouteMatcher, leave /api/webhooks(.*) out of the protected matcher. See @clerk-sync/next\'s README, "Keep the webhook route public".',
  express:
    "Mount the webhook before anything that refuses requests without a session: app.post('/api/webhooks', clerkSyncWebhook(sync)) above app.use(requireAuth()), or apply requireAuth() only to the routes that need it.",
  fastify:
    'Register clerkSyncWebhook(sync) outside the encapsulated scope whose hook refuses requests without a session (a sibling plugin, not a child of it).',
  hono: "Register app.post('/api/webhooks', clerkSyncWebhook(sync)) before the middleware that refuses requests without a session, or give that middleware a path that leaves the webhook out.",
}

const FRAMEWORK_NAMES: Record<Framework, string> = {
  next: 'Next.js',
  express: 'Express',
  fastify: 'Fastify',
  hono: 'Hono',
}

/**
 * The framework that answered, when the answer says so: Express and Next.js name themselves in
 * `x-powered-by` (unless the app turned it off); Next's middleware adds `x-middleware-*` headers.
 * Fastify and Hono send nothing that tells them apart.
 */
export function frameworkOf(headers: Headers): Framework | null {
  const poweredBy = headers.get('x-powered-by') ?? ''
  if (/\bexpress\b/i.test(poweredBy)) return 'express'
  if (/next\.js/i.test(poweredBy)) return 'next'
  for (const [name] of headers) if (/^x-(middleware|nextjs)-/i.test(name)) return 'next'
  return null
}

/** The fix for the framework in use, or each framework's fix when the answer does not say. */
export function publicRouteFix(headers: Headers): string {
  const framework = frameworkOf(headers)
  if (framework)
    return `Svix calls this route without a Clerk session. ${PUBLIC_ROUTE_FIXES[framework]}`
  const each = (Object.keys(PUBLIC_ROUTE_FIXES) as Framework[])
    .map((f) => `${FRAMEWORK_NAMES[f]}: ${PUBLIC_ROUTE_FIXES[f]}`)
    .join(' ')
  return `Svix calls this route without a Clerk session. The answer does not say which framework runs it; the fix for each: ${each}`
}

/** What to do about a clerk-sync error code an answer carries (failed answers hide the message). */
const CODE_FIXES: Partial<Record<string, string>> = {
  [ErrorCode.STORE_NOT_MIGRATED]:
    "The store's tables do not exist in the app's database, or lack a column a newer release added: run applyMigrations(db) at start-up (@clerk-sync/drizzle), or apply each folder of @clerk-sync/prisma's migrations/<provider>/ in order (0000_clerk_sync, then any newer, e.g. 0001_prev_role on Postgres), then check again.",
}

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
    const fix = ours.code ? CODE_FIXES[ours.code] : undefined
    return {
      verdict: 'clerk-sync-error',
      explanation: `clerk-sync answered ${answer.status}${ours.code ? ` ${ours.code}` : ''}: ${ours.message}${fix ? ` ${fix}` : ''}`,
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
      explanation: `Clerk's middleware answered ${answer.status}${redirected && location ? ` (redirect to ${location})` : ''}${clerkSays ? ` [${clerkSays}]` : ''} instead of clerk-sync: the webhook route is protected. ${publicRouteFix(answer.headers)}`,
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
      ? ` If an auth middleware runs on this path, that is the likely cause. ${publicRouteFix(answer.headers)}`
      : ''
  return {
    verdict: 'not-clerk-sync',
    explanation: `Something other than clerk-sync answered ${answer.status}: check the URL and that the route is mounted.${hint}`,
  }
}
