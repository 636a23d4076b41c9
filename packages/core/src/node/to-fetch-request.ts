import type { IncomingMessage } from 'node:http'

/**
 * A fetch `Request` for a Node request whose body was read already (the set-role endpoint, where
 * there is no signature, so a parsed JSON body may be serialised again).
 */
export function toFetchRequest(
  req: IncomingMessage,
  body: string | Uint8Array<ArrayBuffer> | undefined,
  url = req.url ?? '/',
): Request {
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
    body: method === 'GET' || method === 'HEAD' ? undefined : body,
  })
}
