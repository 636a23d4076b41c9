import http from 'node:http'
import { signWebhook } from '@clerk-sync/testing'
import type { Delivery } from './shared.js'

const REQUEST_TIMEOUT_MS = 30_000

/**
 * Posts one delivery, signed at send time as Svix signs each attempt, over the load generator's
 * keep-alive agent. Resolves with the status, or `error:<code>` when no answer came (a reset, a
 * refused connection, the timeout); never rejects.
 */
export function postDelivery(
  agent: http.Agent,
  url: URL,
  secret: string,
  delivery: Delivery,
): Promise<string> {
  const headers = signWebhook({ secret, body: delivery.body })
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(delivery.body),
          ...headers,
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(String(res.statusCode)))
        res.on('error', () => resolve('error:response'))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(`error:${error.code ?? error.message}`),
    )
    req.end(delivery.body)
  })
}
