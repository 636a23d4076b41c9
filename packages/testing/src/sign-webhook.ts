import { createHmac, randomBytes } from 'node:crypto'

export interface SignWebhookOptions {
  /** The endpoint's `whsec_…` secret. */
  secret: string
  /** The exact body that will be sent. Objects are serialised with `JSON.stringify`. */
  body: string | Uint8Array | object
  /** `svix-id`; a fresh `msg_…` by default. Keep it across retries of one message. */
  id?: string
  /** Unix seconds, or a Date. Default: now. */
  timestamp?: number | Date
}

// A type alias, not an interface, so it fits `Record<string, string>` parameters.
export type SvixSignatureHeaders = {
  'svix-id': string
  'svix-timestamp': string
  'svix-signature': string
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** A random id in Clerk's and Svix's style: `prefix_` and 27 base62 characters. */
export function randomId(prefix: string): string {
  const bytes = randomBytes(27)
  let id = ''
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length]
  return `${prefix}_${id}`
}

/** A fresh signing secret in Clerk's format: `whsec_` and a base64 key (24 bytes by default). */
export function generateSigningSecret(bytes = 24): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`
}

export function webhookBodyText(body: SignWebhookOptions['body']): string {
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8')
  return JSON.stringify(body)
}

/**
 * Signs a body the way Svix does: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the
 * base64-decoded key, sent as `svix-signature: v1,<base64>`. Written against the scheme, not with
 * svix's code, so tests check clerk-sync's verifier against an independent signer.
 */
export function signWebhook(options: SignWebhookOptions): SvixSignatureHeaders {
  const id = options.id ?? randomId('msg')
  const seconds =
    options.timestamp instanceof Date
      ? Math.floor(options.timestamp.getTime() / 1000)
      : (options.timestamp ?? Math.floor(Date.now() / 1000))
  const key = Buffer.from(options.secret.replace(/^whsec_/, ''), 'base64')
  const signature = createHmac('sha256', key)
    .update(`${id}.${seconds}.`)
    .update(
      typeof options.body === 'string' || options.body instanceof Uint8Array
        ? options.body
        : webhookBodyText(options.body),
    )
    .digest('base64')
  return { 'svix-id': id, 'svix-timestamp': String(seconds), 'svix-signature': `v1,${signature}` }
}

export interface SignedRequestOptions extends SignWebhookOptions {
  /** Default `http://localhost/api/webhooks`. */
  url?: string
  /** Extra headers, e.g. to test a tampered `svix-*` header. */
  headers?: Record<string, string>
}

/** A POST `Request` carrying `body` and valid Svix headers, for fetch-style handlers. */
export function signedWebhookRequest(options: SignedRequestOptions): Request {
  const body = webhookBodyText(options.body)
  const headers = signWebhook({ ...options, body })
  return new Request(options.url ?? 'http://localhost/api/webhooks', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...options.headers },
    body,
  })
}
