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

export interface WebhookAnswer {
  status: number
  /** Lowercase names, in the order a fetch `Headers` lists them (sorted). */
  headers: Record<string, string>
  body: string
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** `WebhookResult` as the status, headers and body of the HTTP answer. */
export function webhookAnswer(result: WebhookResult<string>): WebhookAnswer {
  return {
    status: result.status,
    headers:
      result.status === 405
        ? { allow: 'POST', 'content-type': JSON_TYPE }
        : { 'content-type': JSON_TYPE },
    body: JSON.stringify(webhookResponseBody(result)),
  }
}

/** `WebhookResult` as a fetch `Response`. */
export function webhookResponse(result: WebhookResult<string>): Response {
  const { status, headers, body } = webhookAnswer(result)
  return new Response(body, { status, headers })
}
