import type { IncomingMessage } from 'node:http'

/**
 * A fetch `Request` for a Node request whose body a framework read already (the set-role
 * endpoint, where there is no signature, so a parsed JSON body may be serialised again): a string
 * or bytes go as they are, `undefined` as no body, anything else as JSON.
 */
export function toFetchRequest(req: IncomingMessage, body: unknown, url = req.url ?? '/'): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    // The body may no longer be the bytes that were counted.
    if (name === 'content-length' || name === 'transfer-encoding' || value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const method = req.method ?? 'GET'
  return new Request(`http://${req.headers.host ?? 'localhost'}${url}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : fetchBody(body),
  })
}

function fetchBody(body: unknown): string | Uint8Array<ArrayBuffer> | undefined {
  if (body === undefined || typeof body === 'string') return body
  if (body instanceof Uint8Array) return new Uint8Array(body)
  return JSON.stringify(body)
}
