import { ErrorCode } from '../errors/clerk-sync-error.js'
import type { WebhookResult } from './webhook-result.js'

/**
 * The JSON body answered to Svix (shown in the Clerk Dashboard's message attempts). Store failures
 * say only that the app failed; their details go to the app's log, not to a third party.
 */
export function webhookResponseBody(
  result: WebhookResult<string>,
): Record<string, string | undefined> {
  const exposeMessage = result.outcome !== 'failed' || result.code === ErrorCode.BODY_ALREADY_PARSED
  return {
    outcome: result.outcome,
    message: exposeMessage
      ? result.message
      : 'The app could not sync this event; it will be retried',
    code: result.code,
    eventId: result.eventId,
  }
}

/** `WebhookResult` as a fetch `Response`. */
export function webhookResponse(result: WebhookResult<string>): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
  if (result.status === 405) headers.allow = 'POST'
  return new Response(JSON.stringify(webhookResponseBody(result)), {
    status: result.status,
    headers,
  })
}
