import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface AttemptResult {
  /** HTTP status, or null when no answer came (timeout, refused connection, reset). */
  status: number | null
  /** `timeout`, a socket error code such as `ECONNREFUSED`, or null when an answer came. */
  error: string | null
  /** The start of the answer's body, as Svix keeps it for the dashboard. */
  responseBody: string
  latencyMs: number
}

const BODY_KEPT = 2048

/**
 * One POST, as Svix makes it: no connection reuse, no redirects followed (a 3xx is a failure),
 * the whole exchange bounded by `timeoutMs`.
 */
export function sendAttempt(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const started = performance.now()
  const latency = () => Math.round((performance.now() - started) * 100) / 100
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: Omit<AttemptResult, 'latencyMs'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve({ ...result, latencyMs: latency() })
    }
    const send = url.startsWith('https:') ? httpsRequest : httpRequest
    const req = send(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    })
    const timer = setTimeout(() => {
      finish({ status: null, error: 'timeout', responseBody: '' })
      req.destroy()
    }, timeoutMs)
    const onAbort = () => {
      finish({ status: null, error: 'aborted', responseBody: '' })
      req.destroy()
    }
    signal.addEventListener('abort', onAbort)
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: null, error: error.code ?? error.message, responseBody: '' })
    })
    req.on('response', (res) => {
      let kept = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        if (kept.length < BODY_KEPT) kept += chunk.slice(0, BODY_KEPT - kept.length)
      })
      res.on('end', () =>
        finish({ status: res.statusCode ?? null, error: null, responseBody: kept }),
      )
      res.on('error', (error: NodeJS.ErrnoException) =>
        finish({ status: null, error: error.code ?? error.message, responseBody: kept }),
      )
    })
    req.end(body)
  })
}
