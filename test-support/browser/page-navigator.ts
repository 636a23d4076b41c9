import { request } from 'node:http'
import type { LookupFunction } from 'node:net'

/** A cookie as a browser keeps it: host-only, path `/` (all Clerk's cookies are). */
interface StoredCookie {
  value: string
  /** Epoch milliseconds, or undefined for a session cookie. */
  expiresAt: number | undefined
}

export interface NavigationStep {
  method: string
  url: string
  status: number
}

export interface NavigationResult {
  status: number
  /** The URL of the last response. */
  url: string
  body: string
  headers: Record<string, string | string[] | undefined>
  /** Every request made, redirects included, in order. */
  steps: NavigationStep[]
}

// Chromium resolves every `*.localhost` name to loopback by itself; Node's resolver does not.
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
    else callback(null, '127.0.0.1', 4)
    return
  }
  callback(new Error(`page-navigator: only loopback hosts, not ${hostname}`), '', 4)
}

/**
 * What a browser does with top-level navigations, over plain HTTP: sends `Sec-Fetch-Dest:
 * document` and `Accept: text/html`, keeps cookies per host (`Max-Age` honoured against
 * `Date.now()`, so a faked clock ages them too), and follows redirects (303 turns into GET).
 * Enough to walk Clerk's handshake without Chromium.
 */
export class PageNavigator {
  readonly #jar = new Map<string, Map<string, StoredCookie>>()

  /** The live cookies the browser holds for a host (no port: cookies ignore ports). */
  cookies(host: string): Record<string, string> {
    const live: Record<string, string> = {}
    const now = Date.now()
    for (const [name, cookie] of this.#jar.get(host) ?? []) {
      if (cookie.expiresAt === undefined || cookie.expiresAt > now) live[name] = cookie.value
    }
    return live
  }

  setCookie(host: string, name: string, value: string): void {
    this.#hostJar(host).set(name, { value, expiresAt: undefined })
  }

  async navigate(
    url: string,
    init: { method?: string; form?: Record<string, string>; maxRedirects?: number } = {},
  ): Promise<NavigationResult> {
    let method = init.method ?? 'GET'
    let body = init.form ? new URLSearchParams(init.form).toString() : undefined
    let current = new URL(url)
    const steps: NavigationStep[] = []
    for (let hop = 0; ; hop++) {
      const response = await this.#send(method, current, body)
      steps.push({ method, url: current.href, status: response.status })
      const location = response.headers.location
      const redirected = response.status >= 300 && response.status < 400
      // maxRedirects: 0 hands back the redirect itself.
      if (!redirected || typeof location !== 'string' || init.maxRedirects === 0) {
        return { ...response, url: current.href, steps }
      }
      if (hop >= (init.maxRedirects ?? 20)) {
        throw new Error(`too many redirects: ${steps.map((step) => step.url).join(' -> ')}`)
      }
      current = new URL(location, current)
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET'
        body = undefined
      }
    }
  }

  #hostJar(host: string): Map<string, StoredCookie> {
    let jar = this.#jar.get(host)
    if (!jar) {
      jar = new Map()
      this.#jar.set(host, jar)
    }
    return jar
  }

  #store(host: string, header: string): void {
    const [pair = '', ...attributes] = header.split(';')
    const at = pair.indexOf('=')
    if (at < 0) return
    const name = pair.slice(0, at).trim()
    const value = pair.slice(at + 1).trim()
    let expiresAt: number | undefined
    for (const attribute of attributes) {
      const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim())
      if (key.toLowerCase() === 'max-age') expiresAt = Date.now() + Number(setting) * 1000
      if (key.toLowerCase() === 'expires' && expiresAt === undefined)
        expiresAt = Date.parse(setting)
    }
    const jar = this.#hostJar(host)
    if (expiresAt !== undefined && expiresAt <= Date.now()) jar.delete(name)
    else jar.set(name, { value, expiresAt })
  }

  #send(method: string, url: URL, body: string | undefined) {
    const cookie = Object.entries(this.cookies(url.hostname))
      .map(([name, value]) => `${name}=${value}`)
      .join('; ')
    const headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml',
      'sec-fetch-dest': 'document',
      'sec-fetch-mode': 'navigate',
      'user-agent': 'clerk-sync page-navigator',
    }
    if (cookie) headers.cookie = cookie
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      headers['content-length'] = String(Buffer.byteLength(body))
    }
    return new Promise<Omit<NavigationResult, 'url' | 'steps'>>((resolve, reject) => {
      const req = request(url, { method, headers, lookup: loopbackLookup }, (res) => {
        for (const header of res.headers['set-cookie'] ?? []) this.#store(url.hostname, header)
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        )
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  }
}
