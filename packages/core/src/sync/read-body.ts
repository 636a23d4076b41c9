import { ClerkSyncError, ErrorCode } from '../errors/clerk-sync-error.js'

export type ReadBodyResult =
  | { ok: true; body: Uint8Array }
  | { ok: false; reason: 'too_large' }
  /** Read (or parsed) before: `message` names the fix when an adapter knew the framework. */
  | { ok: false; reason: 'already_read'; message?: string }
  /** The stream failed mid-way: client abort, connection reset, fewer bytes than declared. */
  | { ok: false; reason: 'unreadable'; cause: unknown }

/**
 * Reads a fetch `Request`'s body as raw bytes, stopping as soon as it passes `maxBytes` (a lying
 * or absent Content-Length cannot make it buffer more). Never rejects: a body stream that errors
 * (the client went away) is a result, so no caller can leave a rejection unhandled. Adapters
 * signal a body they cannot give raw by erroring the stream with `BODY_ALREADY_PARSED`.
 */
export async function readBodyWithCap(request: Request, maxBytes: number): Promise<ReadBodyResult> {
  if (request.bodyUsed) return { ok: false, reason: 'already_read' }
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, reason: 'too_large' }
  if (!request.body) return { ok: true, body: new Uint8Array(0) }

  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > maxBytes) {
        await reader.cancel().catch(() => {})
        return { ok: false, reason: 'too_large' }
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof ClerkSyncError && error.code === ErrorCode.BODY_ALREADY_PARSED) {
      return { ok: false, reason: 'already_read', message: error.message }
    }
    return { ok: false, reason: 'unreadable', cause: error }
  }
  if (chunks.length === 1) return { ok: true, body: chunks[0]! }
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return { ok: true, body }
}

/** Whether `text` takes more than `limit` bytes as UTF-8, encoding only when its length can't tell. */
export function exceedsUtf8Bytes(text: string, limit: number): boolean {
  if (text.length > limit) return true
  if (text.length * 3 <= limit) return false
  return new TextEncoder().encode(text).byteLength > limit
}
