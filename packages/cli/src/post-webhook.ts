import type { EndpointAnswer } from './diagnose-answer.js'
import { fetchFailureReason } from './fetch-failure-reason.js'

export function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export interface PostedWebhook {
  /** Null when nothing answered. */
  response: EndpointAnswer | null
  summary: {
    ok: boolean
    status: number | null
    statusText?: string
    responseBody?: unknown
    error?: string
    latencyMs: number
  }
}

/** POSTs a webhook as Svix does: its user agent, no redirects followed (a 3xx is a failure). */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostedWebhook> {
  const started = performance.now()
  const latency = () => Math.round(performance.now() - started)
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Svix-Webhooks/1.0 (clerk-sync)',
        ...headers,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    })
    const responseBody = parseBody(await response.text())
    return {
      response: { status: response.status, headers: response.headers, body: responseBody },
      summary: {
        ok: response.ok,
        status: response.status,
        statusText: response.statusText,
        responseBody,
        latencyMs: latency(),
      },
    }
  } catch (error) {
    const reason = fetchFailureReason(error)
    return {
      response: null,
      summary: { ok: false, status: null, error: reason, latencyMs: latency() },
    }
  }
}
