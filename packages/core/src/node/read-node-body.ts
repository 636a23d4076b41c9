import type { IncomingMessage } from 'node:http'
import type { ReadBodyResult } from '../sync/read-body.js'

const TOO_LARGE: ReadBodyResult = { ok: false, reason: 'too_large' }

/**
 * An unread IncomingMessage's body as raw bytes, read as core's `readBodyWithCap` reads the web
 * stream `incomingMessageToRequest` makes of it, without that stream: a declared Content-Length
 * over `maxBytes` stops before reading; past `maxBytes` read, the request is paused and the rest
 * left unread; an error or a close before the end is `unreadable`. Never rejects. The listeners
 * stay attached, so a late socket error is absorbed, not uncaught.
 */
export function readNodeBody(
  req: IncomingMessage,
  headers: Headers,
  maxBytes: number,
): Promise<ReadBodyResult> {
  const declared = Number(headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(TOO_LARGE)
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = []
    let total = 0
    let settled = false
    const settle = (result: ReadBodyResult) => {
      settled = true
      resolve(result)
    }
    req.on('data', (chunk: Buffer | string) => {
      if (settled) return
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      total += bytes.byteLength
      if (total > maxBytes) {
        req.pause()
        settle(TOO_LARGE)
        return
      }
      chunks.push(bytes)
    })
    req.on('end', () => {
      if (settled) return
      settle({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) })
    })
    req.on('error', (error) => {
      if (settled) return
      req.pause()
      settle({ ok: false, reason: 'unreadable', cause: error })
    })
    // A close before 'end' is an abort, including one Node reports with no 'error'.
    req.on('close', () => {
      if (settled) return
      req.pause()
      settle({
        ok: false,
        reason: 'unreadable',
        cause: new Error('The client closed the connection before the body was complete'),
      })
    })
  })
}
