import type { IncomingMessage } from 'node:http'

/** What a Node request's body is, as far as a signature check is concerned. */
export type NodeBody =
  | { kind: 'bytes'; body: Buffer | string }
  /** Longer than the cap: `body` holds the first cap + 1 bytes, enough for core to answer 413. */
  | { kind: 'too_large'; body: Buffer }
  /** A body parser already consumed the stream; only its parsed result is left. */
  | { kind: 'parsed'; value: unknown }

type ExpressRequest = IncomingMessage & { body?: unknown }

/**
 * The raw body of a Node request (Express, Next.js Pages Router, node:http): what a raw-body parser
 * left (`express.raw()`, `express.text()`), else read from the stream here, with the cap.
 * "Already consumed" is judged from the stream, not from `req.body`: body-parser on Express 4 sets
 * `req.body = {}` even for a request it skipped, and Express 5 leaves it undefined.
 */
export async function readNodeBody(req: ExpressRequest, maxBytes: number): Promise<NodeBody> {
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') {
    const size = Buffer.byteLength(req.body)
    return size > maxBytes
      ? { kind: 'too_large', body: Buffer.alloc(maxBytes + 1) }
      : { kind: 'bytes', body: req.body }
  }
  if (req.readableEnded) return { kind: 'parsed', value: req.body }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes)
    return { kind: 'too_large', body: Buffer.alloc(maxBytes + 1) }
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength
    chunks.push(chunk)
    if (total > maxBytes) {
      // Stop reading; the answer goes out with Connection: close so the client stops sending.
      req.pause()
      return { kind: 'too_large', body: Buffer.concat(chunks).subarray(0, maxBytes + 1) }
    }
  }
  return { kind: 'bytes', body: Buffer.concat(chunks) }
}
