import { connect } from 'node:net'

export interface RawAnswer {
  /** 0 when the server closed the connection without answering. */
  status: number
  head: string
  body: string
}

/**
 * Sends bytes on a fresh TCP connection, exactly as given (what fetch refuses to send: a bad
 * `Host`, an absolute-form target, half a body), then reads until the server closes or answers.
 * `end: false` leaves the socket open after writing; `closeAfterMs` then destroys it, as a client
 * that gives up mid-body would.
 */
export function rawRequest(
  port: number,
  data: string | Buffer,
  options: { closeAfterMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5000)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString('latin1')
      const [head = '', body = ''] = text.split('\r\n\r\n', 2)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, head, body })
    })
    socket.on('connect', () => {
      socket.write(data)
      if (options.closeAfterMs !== undefined) {
        setTimeout(() => socket.destroy(), options.closeAfterMs)
      }
    })
    socket.on('timeout', () => reject(new Error('raw request timed out')))
  })
}

/** An HTTP/1.1 request as text, `Connection: close` so the server ends the exchange. */
export function rawHttp(
  method: string,
  target: string,
  headers: Record<string, string | string[]>,
  body = '',
): string {
  const lines = [`${method} ${target} HTTP/1.1`]
  // Node answers 400 itself to an HTTP/1.1 request without Host.
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'host')) lines.push('Host: localhost')
  for (const [name, value] of Object.entries(headers)) {
    for (const v of [value].flat()) lines.push(`${name}: ${v}`)
  }
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'connection'))
    lines.push('Connection: close')
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}
