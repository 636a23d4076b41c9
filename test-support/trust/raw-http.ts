import { connect, type Socket } from 'node:net'

/** One HTTP/1.1 request exactly as written on the wire: what fetch would refuse to send. */
export interface RawRequest {
  method: string
  /** The request target: `/path`, an absolute-form URL, or `*`. */
  target: string
  /** In order; a name may repeat. No Host is added unless listed here. */
  headers: Array<[string, string]>
  body: Buffer
  /** `auto` (default) adds Content-Length for the body; `none` sends none; a number lies. */
  contentLength?: 'auto' | 'none' | number
}

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  text: string
  /** The body as JSON, or undefined when it is not JSON. */
  json: unknown
}

export function encodeRequest(request: RawRequest): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`]
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`)
  const length = request.contentLength ?? 'auto'
  if (length === 'auto') lines.push(`content-length: ${request.body.byteLength}`)
  else if (typeof length === 'number') lines.push(`content-length: ${length}`)
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body])
}

/** Parses the first complete response in `data`, or returns null while it is still arriving. */
export function parseResponse(data: Buffer, ended: boolean): RawAnswer | null {
  const split = data.indexOf('\r\n\r\n')
  if (split < 0) return null
  const [statusLine, ...headerLines] = data.subarray(0, split).toString('latin1').split('\r\n')
  const status = Number(statusLine?.split(' ')[1])
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let rest = data.subarray(split + 4)
  let body: Buffer
  if (headers['transfer-encoding']?.includes('chunked')) {
    const parts: Buffer[] = []
    for (;;) {
      const eol = rest.indexOf('\r\n')
      if (eol < 0) return ended ? finish(Buffer.concat(parts)) : null
      const size = Number.parseInt(rest.subarray(0, eol).toString('latin1'), 16)
      if (size === 0) break
      if (rest.byteLength < eol + 2 + size + 2) return ended ? finish(Buffer.concat(parts)) : null
      parts.push(rest.subarray(eol + 2, eol + 2 + size))
      rest = rest.subarray(eol + 2 + size + 2)
    }
    body = Buffer.concat(parts)
  } else if (headers['content-length'] !== undefined) {
    const size = Number(headers['content-length'])
    if (rest.byteLength < size) return ended ? finish(rest) : null
    body = rest.subarray(0, size)
  } else {
    if (!ended) return null
    body = rest
  }
  return finish(body)

  function finish(bytes: Buffer): RawAnswer {
    const text = bytes.toString('utf8')
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {}
    return { status, headers, text, json }
  }
}

/** What became of one raw exchange. */
export type RawOutcome =
  | { kind: 'answered'; answer: RawAnswer }
  /** The server closed the connection without a complete answer. */
  | { kind: 'closed' }
  /** Something else settled first (e.g. the process reported an unhandled error). */
  | { kind: 'interrupted'; reason: unknown }

/**
 * Writes `bytes` to a fresh connection and settles with the first complete response, a close
 * without one, or `interrupt` (a promise that resolves when the server process got into trouble,
 * so a handler that died without answering does not leave the test waiting).
 * `keepOpen`: do not half-close after writing (a body still "on its way").
 */
export function rawExchange(
  port: number,
  bytes: Buffer | Buffer[],
  options: { interrupt?: Promise<unknown>; keepOpen?: boolean } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1')
    const received: Buffer[] = []
    let settled = false
    const settle = (outcome: RawOutcome) => {
      if (settled) return
      settled = true
      socket.destroy()
      resolve(outcome)
    }
    options.interrupt?.then((reason) => settle({ kind: 'interrupted', reason }))
    socket.on('connect', () => {
      for (const chunk of [bytes].flat()) socket.write(chunk)
    })
    socket.on('data', (chunk) => {
      received.push(chunk)
      const answer = parseResponse(Buffer.concat(received), false)
      if (answer) settle({ kind: 'answered', answer })
    })
    // A reset after the server answered and closed is still an answer.
    socket.on('error', () => undefined)
    socket.on('close', () => {
      const answer = parseResponse(Buffer.concat(received), true)
      settle(answer ? { kind: 'answered', answer } : { kind: 'closed' })
    })
  })
}

/** Connects, writes `bytes`, then closes without waiting for anything: a client that gave up. */
export function writeAndAbort(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes, () => {
        socket.destroy()
        resolve()
      })
    })
    socket.on('error', () => resolve())
  })
}
