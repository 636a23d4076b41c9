import {
  encodeRequest,
  type RawAnswer,
  type RawOutcome,
  type RawRequest,
  rawExchange,
} from './raw-http.js'
import { SET_ROLE_PATH, type TrustAdapter } from './servers.js'

/** The path of a request target (`/p`, `http://h/p`, `*`), as a router would see it. */
export function pathOf(target: string): string {
  if (target === '*') return '*'
  try {
    return new URL(target).pathname
  } catch {
    return target.split('?')[0] ?? target
  }
}

async function answerOf(response: Response): Promise<RawAnswer> {
  const text = await response.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: response.status, headers: Object.fromEntries(response.headers), text, json }
}

/**
 * Sends one raw request to an adapter: over a socket to the Node ones, byte for byte; as a fetch
 * `Request` to the App Router handlers (repeated headers merge there, as in every fetch runtime).
 * A request a fetch `Request` cannot carry (an unparsable URL) settles as `closed`, which is what
 * the platform in front of a route handler does with it.
 */
export async function send(
  adapter: TrustAdapter,
  request: RawRequest,
  options: { interrupt?: Promise<unknown> } = {},
): Promise<RawOutcome> {
  if (adapter.port !== undefined) {
    return rawExchange(adapter.port, encodeRequest(request), options)
  }
  const handler = pathOf(request.target) === SET_ROLE_PATH ? adapter.setRole : adapter.webhook
  if (!handler) throw new Error(`${adapter.name} has no route for ${request.target}`)
  let fetchRequest: Request
  try {
    const headers = new Headers()
    for (const [name, value] of request.headers) headers.append(name, value)
    const url = /^https?:\/\//.test(request.target)
      ? request.target
      : `http://localhost${request.target === '*' ? '/' : request.target}`
    fetchRequest = new Request(url, {
      method: request.method,
      headers,
      body: ['GET', 'HEAD'].includes(request.method) ? undefined : new Uint8Array(request.body),
    })
  } catch {
    return { kind: 'closed' }
  }
  return { kind: 'answered', answer: await answerOf(await handler(fetchRequest)) }
}
