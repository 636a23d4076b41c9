import type { EndpointAnswer } from './diagnose-answer.js'

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
    // fetch says only "fetch failed"; the socket's reason (ECONNREFUSED, bad port…) is the cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const reason =
      (error as Error).name === 'TimeoutError'
        ? 'timeout'
        : (cause?.code ?? cause?.message ?? (error as Error).message)
    return {
      response: null,
      summary: { ok: false, status: null, error: reason, latencyMs: latency() },
    }
  }
}
