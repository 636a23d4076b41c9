/**
 * The bad-input catalogue (issue 11): every hostile or broken input clerk-sync must refuse with
 * nothing written, or accept exactly as documented. Data only; the runners live in tests/trust/.
 * Requests are built when the case runs, so timestamps come from the clock of that moment.
 */
import { randomBytes } from 'node:crypto'
import type { MemoryStore } from '@clerk-sync/core'
import {
  clerkEvent,
  clerkUser,
  generateSigningSecret,
  signWebhook,
  userCreatedEvent,
} from '@clerk-sync/testing'
import type { RawRequest } from './raw-http.js'
import { WEBHOOK_PATH } from './servers.js'

export type Group =
  | 'signatures'
  | 'timestamps'
  | 'secrets at construction'
  | 'headers'
  | 'bodies'
  | 'roles'
  | 'set-role'
  | 'slow/aborted'

export interface CaseContext {
  /** The secret every adapter verifies with. */
  secret: string
}

/** What a webhook case expects back. `store: 'unchanged'` compares the whole store before/after. */
export interface WebhookExpectation {
  status: number
  outcome?: string
  code?: string
  store: 'unchanged' | 'written'
  /** For written cases: what the stored user must look like. */
  check?: (store: MemoryStore, built: BuiltRequest) => Promise<void>
}

export interface BuiltRequest {
  request: RawRequest
  /** The user the event is about, when there is one. */
  userId?: string
  /** Values the check compares with (e.g. the hostile names sent). */
  sent?: Record<string, unknown>
}

export interface WebhookCase {
  kind: 'webhook'
  name: string
  group: Group
  /** The request, built at run time. */
  build(ctx: CaseContext): BuiltRequest
  expect: WebhookExpectation
  /**
   * Answers that differ on some adapters because their framework answers before clerk-sync runs
   * (a router with no route for the method or target). Anything not listed gets `expect`.
   */
  perAdapter?: Record<string, Partial<WebhookExpectation>>
}

export interface ConstructionCase {
  kind: 'construction'
  name: string
  group: 'secrets at construction'
  /** The `signingSecret` option given to createClerkSync. */
  secret: () => string
  expect: { throws: 'SIGNING_SECRET_INVALID'; message: RegExp } | { accepts: true }
}

/** Set-role cases; the runner (tests/trust/set-role.test.ts) builds each from the emulator. */
export interface SetRoleCase {
  kind: 'set-role'
  name: string
  group: 'set-role'
  /** `status` lists more than one answer only where a race decides which refusal comes first. */
  expect: { status: number[]; code: string[]; store: 'unchanged' | 'written' }
}

/** Cases about the connection itself (aborts, request lines); runner in tests/trust/hostile-requests.test.ts. */
export interface ServerCase {
  kind: 'server'
  name: string
  group: Group
  expect: string
}

export type CatalogueCase = WebhookCase | ConstructionCase | SetRoleCase | ServerCase

// ---------------------------------------------------------------------------------------------
// Request builders

type Headers = Array<[string, string]>

export interface DeliveryOptions {
  /** The event (default: a fresh user.created) or the exact body. */
  body?: object | string | Buffer
  secret?: string
  id?: string
  /** Unix seconds the signature is computed over; default now. */
  timestamp?: number
  /** Rewrites the signed headers (tampering, repeats, removals). */
  headers?: (signed: Headers) => Headers
  method?: string
  target?: string
  host?: string | null
  contentLength?: RawRequest['contentLength']
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A signed delivery as Svix sends it, then bent by `options`. */
export function delivery(ctx: CaseContext, options: DeliveryOptions = {}): BuiltRequest {
  const user = clerkUser()
  const raw = options.body ?? userCreatedEvent(user)
  const body = Buffer.isBuffer(raw)
    ? raw
    : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw))
  const signed = signWebhook({
    secret: options.secret ?? ctx.secret,
    body,
    ...(options.id ? { id: options.id } : {}),
    timestamp: options.timestamp ?? nowSeconds(),
  })
  let svix: Headers = [
    ['svix-id', signed['svix-id']],
    ['svix-timestamp', signed['svix-timestamp']],
    ['svix-signature', signed['svix-signature']],
  ]
  if (options.headers) svix = options.headers(svix)
  const host = options.host === undefined ? '127.0.0.1' : options.host
  return {
    request: {
      method: options.method ?? 'POST',
      target: options.target ?? WEBHOOK_PATH,
      headers: [
        ...(host === null ? [] : ([['host', host]] as Headers)),
        ['content-type', 'application/json'],
        ['connection', 'close'],
        ...svix,
      ],
      body,
      ...(options.contentLength !== undefined ? { contentLength: options.contentLength } : {}),
    },
    userId: options.body === undefined ? user.id : undefined,
  }
}

/** A signed delivery of the event about `user` (for cases that shape the user). */
function userDelivery(
  ctx: CaseContext,
  user: ReturnType<typeof clerkUser>,
  event: object = userCreatedEvent(user),
  options: DeliveryOptions = {},
): BuiltRequest {
  return { ...delivery(ctx, { ...options, body: event }), userId: user.id }
}

const replace = (name: string, value: (old: string) => string) => (headers: Headers) =>
  headers.map(([n, v]): [string, string] => [n, n === name ? value(v) : v])
const without = (name: string) => (headers: Headers) => headers.filter(([n]) => n !== name)
const repeat = (name: string, value: (old: string) => string) => (headers: Headers) => [
  ...headers,
  [name, value(headers.find(([n]) => n === name)?.[1] ?? '')] as [string, string],
]

/** Flips one bit of the body's last significant byte, after signing. */
function tamperBody(built: BuiltRequest): BuiltRequest {
  const body = Buffer.from(built.request.body)
  const at = body.lastIndexOf('"')
  body[at - 1] = (body[at - 1] ?? 0) ^ 1
  return { ...built, request: { ...built.request, body } }
}

/** The v1 signature's base64 only. */
const sigOf = (value: string) => value.replace(/^v1,/, '')

/** Nested arrays `depth` deep: `[[[…]]]`. */
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

// ---------------------------------------------------------------------------------------------
// Expectations

const refused = (code: string): WebhookExpectation => ({
  status: 400,
  outcome: 'rejected',
  code,
  store: 'unchanged',
})
/** A verified body clerk-sync cannot use: 422, so Svix keeps retrying while the app is fixed. */
const unusable = (code: 'BODY_NOT_JSON' | 'EVENT_INVALID'): WebhookExpectation => ({
  status: 422,
  outcome: 'rejected',
  code,
  store: 'unchanged',
})
const applied = (check?: WebhookExpectation['check']): WebhookExpectation => ({
  status: 200,
  outcome: 'applied',
  store: 'written',
  ...(check ? { check } : {}),
})

async function storedUser(store: MemoryStore, built: BuiltRequest) {
  const user = await store.getUser(built.userId ?? '')
  if (!user) throw new Error(`user ${built.userId} was not written`)
  return user
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

const roleIs = (role: string) => async (store: MemoryStore, built: BuiltRequest) =>
  expectEqual((await storedUser(store, built)).role, role, 'stored role')

/** Routers that have no route for a method answer before clerk-sync: 404, nothing written. */
const notRouted: Partial<WebhookExpectation> = { status: 404, outcome: undefined, code: undefined }

// ---------------------------------------------------------------------------------------------
// The cases

const SQL = "Robert'); DROP TABLE users;--"
const HTML = '<img src=x onerror=alert(1)><script>alert("x")</script>'
const UNICODE = 'Zoë 👩🏽‍💻 \u202egnp.exe\u0000 Ω≈ç√ 日本語'

export const webhookCases: WebhookCase[] = [
  // Signatures
  {
    kind: 'webhook',
    name: 'signed with another secret',
    group: 'signatures',
    build: (ctx) => delivery(ctx, { secret: generateSigningSecret() }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'body tampered after signing (one bit)',
    group: 'signatures',
    build: (ctx) => tamperBody(delivery(ctx)),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'svix-id changed after signing',
    group: 'signatures',
    // The last character always changes (an id already ending in X would otherwise stay signed).
    build: (ctx) =>
      delivery(ctx, {
        headers: replace('svix-id', (id) => `${id.slice(0, -1)}${id.endsWith('X') ? 'Y' : 'X'}`),
      }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'svix-timestamp changed by one second after signing',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, { headers: replace('svix-timestamp', (t) => String(Number(t) - 1)) }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'signature header `v1,` alone',
    group: 'signatures',
    build: (ctx) => delivery(ctx, { headers: replace('svix-signature', () => 'v1,') }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'signature truncated to half its length',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, {
        headers: replace('svix-signature', (v) => `v1,${sigOf(v).slice(0, 22)}`),
      }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'signature that is not base64',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, { headers: replace('svix-signature', () => `v1,${'!*'.repeat(22)}`) }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'the right HMAC, but only under `v1a` and `v2` entries',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, {
        headers: replace('svix-signature', (v) => `v1a,${sigOf(v)} v2,${sigOf(v)}`),
      }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: "another key's valid signature of the same message",
    group: 'signatures',
    build: (ctx) => {
      const built = delivery(ctx)
      const [id, timestamp] = built.request.headers
        .filter(([n]) => n === 'svix-id' || n === 'svix-timestamp')
        .map(([, v]) => v)
      const other = signWebhook({
        secret: generateSigningSecret(),
        body: built.request.body,
        id: id ?? '',
        timestamp: Number(timestamp),
      })
      return {
        ...built,
        request: {
          ...built.request,
          headers: replace('svix-signature', () => other['svix-signature'])(built.request.headers),
        },
      }
    },
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    // CVE-2025-53548: Clerk's verifyWebhook compared signatures with an inverted check, so a
    // signature that did NOT match passed. A random v1 entry of the right length must fail.
    kind: 'webhook',
    name: 'inverted-check regression (CVE-2025-53548): a random signature of the right length',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, {
        headers: replace('svix-signature', () => `v1,${randomBytes(32).toString('base64')}`),
      }),
    expect: refused('SIGNATURE_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'a matching signature among several entries is accepted (rotation)',
    group: 'signatures',
    build: (ctx) =>
      delivery(ctx, {
        headers: replace(
          'svix-signature',
          (v) => `v1,${randomBytes(32).toString('base64')} v1a,${sigOf(v)} ${v}`,
        ),
      }),
    expect: applied(),
  },

  // Timestamps
  {
    kind: 'webhook',
    name: 'timestamp 301 s old, correctly signed',
    group: 'timestamps',
    build: (ctx) => delivery(ctx, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
    expect: refused('TIMESTAMP_INVALID'),
  },
  {
    // Rounded up, so the server's own clock (read later) sees at least 301 s ahead.
    kind: 'webhook',
    name: 'timestamp 301 s ahead, correctly signed',
    group: 'timestamps',
    build: (ctx) => delivery(ctx, { timestamp: Math.ceil(Date.now() / 1000) + 301 }),
    expect: refused('TIMESTAMP_INVALID'),
  },
  ...(
    [
      ['`{now}abc`', (now: number) => `${now}abc`],
      ['`+{now}`', (now: number) => `+${now}`],
      ['`{now}.9`', (now: number) => `${now}.9`],
      ['`-{now}` (negative)', (now: number) => `-${now}`],
    ] as const
  ).map(
    ([label, format]): WebhookCase => ({
      // Signed over the number a lax parser (parseInt) reads, so only the format is wrong.
      kind: 'webhook',
      name: `timestamp ${label}, signed over now`,
      group: 'timestamps',
      build: (ctx) => {
        const now = Math.floor(Date.now() / 1000)
        return delivery(ctx, {
          timestamp: label.startsWith('`-') ? -now : now,
          headers: replace('svix-timestamp', () => format(now)),
        })
      },
      expect: refused('TIMESTAMP_INVALID'),
    }),
  ),

  // Headers
  ...(['svix-id', 'svix-timestamp', 'svix-signature'] as const).map(
    (name): WebhookCase => ({
      kind: 'webhook',
      name: `${name} missing`,
      group: 'headers',
      build: (ctx) => delivery(ctx, { headers: without(name) }),
      expect: refused('HEADERS_INVALID'),
    }),
  ),
  {
    kind: 'webhook',
    name: 'svix-signature blank',
    group: 'headers',
    build: (ctx) => delivery(ctx, { headers: replace('svix-signature', () => '   ') }),
    expect: refused('HEADERS_INVALID'),
  },
  {
    // Node hands a repeated unknown header over joined (an array for set-cookie-like ones).
    kind: 'webhook',
    name: 'svix-id sent twice with the same value (array-valued)',
    group: 'headers',
    build: (ctx) => delivery(ctx, { headers: repeat('svix-id', (v) => v) }),
    expect: refused('HEADERS_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'svix-timestamp sent twice with conflicting values',
    group: 'headers',
    build: (ctx) =>
      delivery(ctx, { headers: repeat('svix-timestamp', (v) => String(Number(v) - 5)) }),
    expect: refused('HEADERS_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'svix-signature sent twice, one matching',
    group: 'headers',
    build: (ctx) =>
      delivery(ctx, {
        headers: repeat('svix-signature', () => `v1,${randomBytes(32).toString('base64')}`),
      }),
    expect: refused('HEADERS_INVALID'),
  },
  {
    // Found by the property tests: Node joins the two into "v1,…, ", which trims to one value.
    kind: 'webhook',
    name: 'svix-signature sent twice, the second blank',
    group: 'headers',
    build: (ctx) => delivery(ctx, { headers: repeat('svix-signature', () => '') }),
    expect: refused('HEADERS_INVALID'),
    // Headers.append keeps the blank value too ("v1,…, "): the same refusal is expected there.
  },
  {
    // The Request's URL is a fixed origin plus the path, never built from Host.
    kind: 'webhook',
    name: 'Host: a b on a valid delivery',
    group: 'headers',
    build: (ctx) => delivery(ctx, { host: 'a b' }),
    expect: applied(),
    // @hono/node-server builds the URL from Host itself and refuses this one first.
    perAdapter: { Hono: { status: 400, outcome: undefined, code: undefined, store: 'unchanged' } },
  },
  {
    kind: 'webhook',
    name: 'Host: [::1 on a valid delivery',
    group: 'headers',
    build: (ctx) => delivery(ctx, { host: '[::1' }),
    expect: applied(),
    perAdapter: { Hono: { status: 400, outcome: undefined, code: undefined, store: 'unchanged' } },
  },
  {
    // HTTP/1.1 requires Host; Node's server refuses the request before any route runs.
    kind: 'webhook',
    name: 'no Host header',
    group: 'headers',
    build: (ctx) => delivery(ctx, { host: null }),
    expect: { status: 400, store: 'unchanged' },
    perAdapter: { 'Next App Router': applied() },
  },
  {
    kind: 'webhook',
    name: 'absolute-form request target (http://evil.example/api/webhooks)',
    group: 'headers',
    build: (ctx) => delivery(ctx, { target: `http://evil.example${WEBHOOK_PATH}` }),
    expect: applied(),
  },
  {
    kind: 'webhook',
    name: 'request target `*`',
    group: 'headers',
    build: (ctx) => delivery(ctx, { target: '*' }),
    expect: { status: 404, store: 'unchanged' },
    perAdapter: {
      // A node:http server with one handler for every path, and a fetch Request cannot carry `*`.
      'Next Pages Router': applied(),
      'Next App Router': applied(),
      Hono: { status: 400 },
    },
  },
  {
    kind: 'webhook',
    name: 'PUT with a valid signature',
    group: 'headers',
    build: (ctx) => delivery(ctx, { method: 'PUT' }),
    expect: { status: 405, outcome: 'rejected', code: 'METHOD_NOT_ALLOWED', store: 'unchanged' },
    perAdapter: { 'Express 4': notRouted, 'Express 5': notRouted, Hono: notRouted },
  },

  // Bodies
  {
    kind: 'webhook',
    name: 'empty body, signed',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: '' }),
    expect: unusable('BODY_NOT_JSON'),
  },
  {
    kind: 'webhook',
    name: 'signed body that is not JSON',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: 'user.created user_123' }),
    expect: unusable('BODY_NOT_JSON'),
  },
  {
    // Signed over the raw bytes. JSON must be UTF-8 (RFC 8259), so these bytes are not JSON, and
    // svix verifies text: refused before verification, with the true reason, not "wrong secret".
    kind: 'webhook',
    name: 'invalid UTF-8 in the body, signed over the bytes',
    group: 'bodies',
    build: (ctx) => {
      const user = clerkUser()
      const text = JSON.stringify(userCreatedEvent(user)).replace('"Ada"', '"A\u0001da"')
      const body = Buffer.from(text)
      body[body.indexOf(1)] = 0xff
      return { ...delivery(ctx, { body }), userId: user.id }
    },
    expect: { status: 400, outcome: 'rejected', code: 'BODY_NOT_JSON', store: 'unchanged' },
  },
  {
    kind: 'webhook',
    name: 'body over maxBodyBytes (1 MiB), declared in Content-Length',
    group: 'bodies',
    build: (ctx) =>
      delivery(ctx, { body: JSON.stringify({ type: 'user.created', pad: 'x'.repeat(1 << 20) }) }),
    expect: { status: 413, outcome: 'rejected', code: 'BODY_TOO_LARGE', store: 'unchanged' },
  },
  {
    kind: 'webhook',
    name: 'JSON nested 100,000 deep as the whole body',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: nested(100_000) }),
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'JSON nested 100,000 deep inside unsafe_metadata of a valid user',
    group: 'bodies',
    build: (ctx) => {
      const user = clerkUser()
      const text = JSON.stringify(userCreatedEvent(user)).replace(
        '"unsafe_metadata":{}',
        `"unsafe_metadata":{"deep":${nested(100_000)}}`,
      )
      if (!text.includes('"deep"')) throw new Error('fixture has no empty unsafe_metadata')
      return { ...delivery(ctx, { body: text }), userId: user.id }
    },
    expect: applied(),
  },
  {
    kind: 'webhook',
    name: 'data.id is a number',
    group: 'bodies',
    build: (ctx) => {
      const event = userCreatedEvent(clerkUser()) as unknown as { data: { id: unknown } }
      event.data.id = 12345
      return delivery(ctx, { body: event })
    },
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'data.updated_at is a string',
    group: 'bodies',
    build: (ctx) => {
      const event = userCreatedEvent(clerkUser()) as unknown as { data: { updated_at: unknown } }
      event.data.updated_at = 'yesterday'
      return delivery(ctx, { body: event })
    },
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'type is not a string',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: { ...userCreatedEvent(clerkUser()), type: 42 } }),
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'user.created without data.id',
    group: 'bodies',
    build: (ctx) => {
      const { id: _id, ...data } = clerkUser()
      return delivery(ctx, { body: clerkEvent('user.created', data) })
    },
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'user.deleted without data.id',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: clerkEvent('user.deleted', { deleted: true }) }),
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'JSON null as the body',
    group: 'bodies',
    build: (ctx) => delivery(ctx, { body: 'null' }),
    expect: unusable('EVENT_INVALID'),
  },
  {
    kind: 'webhook',
    name: 'unknown event type (session.created)',
    group: 'bodies',
    build: (ctx) =>
      delivery(ctx, { body: clerkEvent('session.created', { id: 'sess_1', user_id: 'user_1' }) }),
    expect: { status: 200, outcome: 'ignored', store: 'unchanged' },
  },

  // Roles
  {
    kind: 'webhook',
    name: '`admin` only in unsafe_metadata',
    group: 'roles',
    build: (ctx) => {
      const user = clerkUser({ unsafeMetadata: { role: 'admin' } })
      return userDelivery(ctx, user)
    },
    expect: applied(roleIs('client')),
  },
  {
    kind: 'webhook',
    name: '`admin` in private_metadata and unsafe_metadata, `client` in public',
    group: 'roles',
    build: (ctx) => {
      const user = clerkUser({
        role: 'client',
        privateMetadata: { role: 'admin' },
        unsafeMetadata: { role: 'admin' },
      })
      return userDelivery(ctx, user)
    },
    expect: applied(roleIs('client')),
  },
  {
    kind: 'webhook',
    name: 'a role outside the list (`owner`)',
    group: 'roles',
    build: (ctx) => userDelivery(ctx, clerkUser({ role: 'owner' })),
    expect: applied(roleIs('client')),
  },
  {
    kind: 'webhook',
    name: 'a role that is not a string (`["admin"]`)',
    group: 'roles',
    build: (ctx) => userDelivery(ctx, clerkUser({ role: ['admin'] })),
    expect: applied(roleIs('client')),
  },
  {
    kind: 'webhook',
    name: 'huge public_metadata (~900 KB) with role trainer',
    group: 'roles',
    build: (ctx) =>
      userDelivery(
        ctx,
        clerkUser({
          role: 'trainer',
          publicMetadata: {
            notes: Array.from({ length: 9000 }, (_, i) => `${i}:${'n'.repeat(90)}`),
          },
        }),
      ),
    expect: applied(roleIs('trainer')),
  },
  {
    kind: 'webhook',
    name: 'SQL, HTML and unicode in names, stored verbatim',
    group: 'roles',
    build: (ctx) => {
      const user = clerkUser({
        firstName: SQL,
        lastName: HTML,
        username: UNICODE,
        emails: [`o'hara+"<b>"@example.com`],
      })
      return {
        ...userDelivery(ctx, user),
        sent: {
          firstName: SQL,
          lastName: HTML,
          username: UNICODE,
          email: `o'hara+"<b>"@example.com`,
        },
      }
    },
    expect: applied(async (store, built) => {
      const user = await storedUser(store, built)
      expectEqual(
        {
          firstName: user.firstName,
          lastName: user.lastName,
          username: user.username,
          email: user.email,
        },
        built.sent,
        'stored names',
      )
    }),
  },
]

export const constructionCases: ConstructionCase[] = [
  {
    kind: 'construction',
    name: 'empty secret',
    group: 'secrets at construction',
    secret: () => '',
    expect: { throws: 'SIGNING_SECRET_INVALID', message: /empty/ },
  },
  {
    kind: 'construction',
    name: '`whsec_` alone',
    group: 'secrets at construction',
    secret: () => 'whsec_',
    expect: { throws: 'SIGNING_SECRET_INVALID', message: /nothing after whsec_/ },
  },
  {
    kind: 'construction',
    name: 'a 3-byte key',
    group: 'secrets at construction',
    secret: () => `whsec_${Buffer.from('abc').toString('base64')}`,
    expect: { throws: 'SIGNING_SECRET_INVALID', message: /3 bytes, expected 24 to 64/ },
  },
  {
    // A newline or space copied with the secret (a .env line, the dashboard) is not part of it.
    kind: 'construction',
    name: 'trailing whitespace after a valid secret',
    group: 'secrets at construction',
    secret: () => `${generateSigningSecret()} \n`,
    expect: { accepts: true },
  },
  {
    kind: 'construction',
    name: 'a key in base64url (`-`/`_`) instead of base64',
    group: 'secrets at construction',
    secret: () => `whsec_${Buffer.from('\xfb\xff\xfe'.repeat(8), 'latin1').toString('base64url')}`,
    expect: { throws: 'SIGNING_SECRET_INVALID', message: /not base64/ },
  },
]

export const setRoleCases: SetRoleCase[] = (
  [
    ['no session token', 401, 'unauthenticated'],
    ['an expired session token', 401, 'unauthenticated'],
    ['a session token not yet valid', 401, 'unauthenticated'],
    ['a session token signed with another key', 401, 'unauthenticated'],
    ['a non-admin caller', 403, 'forbidden'],
    ['an admin demoted a moment ago, token still claiming admin', 403, 'forbidden'],
    ['an admin changing their own role', 403, 'forbidden'],
    // Both pass the caller check, then one demotion waits for the other: 409. If the first
    // demotion lands before the second caller check, that caller is no admin any more: 403.
    ['two admins demoting each other at once: one admin remains', 409, 'last_admin'],
    ['a role outside the list', 400, 'invalid_request'],
    ['unknown fields in the body', 400, 'invalid_request'],
    ['an unknown target user', 404, 'user_not_found'],
    ['a text/plain body (the CSRF guard)', 415, 'unsupported_media_type'],
    ['a body that is not JSON', 400, 'invalid_json'],
  ] as const
).map(([name, status, code]) => ({
  kind: 'set-role' as const,
  name,
  group: 'set-role' as const,
  expect:
    status === 409
      ? { status: [409, 403], code: ['last_admin', 'forbidden'], store: 'written' as const }
      : { status: [status], code: [code], store: 'unchanged' as const },
}))

export const serverCases: ServerCase[] = [
  {
    kind: 'server',
    name: 'half a body, then the client closes',
    group: 'slow/aborted',
    expect: 'no unhandled error, nothing written, the server answers the next delivery',
  },
  {
    kind: 'server',
    name: 'headers only, then the client closes',
    group: 'slow/aborted',
    expect: 'no unhandled error, nothing written, the server answers the next delivery',
  },
  {
    kind: 'server',
    name: 'a body over the cap streamed slowly: 413 before it is all sent',
    group: 'slow/aborted',
    expect: '413 while the body is still incomplete (no HMAC could run), nothing written',
  },
  {
    kind: 'server',
    name: 'Content-Length shorter than the body sent',
    group: 'slow/aborted',
    expect: '400, nothing written, the process survives',
  },
  {
    kind: 'server',
    name: 'set-role: half a body, then the client closes',
    group: 'slow/aborted',
    expect: 'no unhandled error, the server answers the next request',
  },
  {
    kind: 'server',
    name: 'set-role: Host: a b, `Host: [::1`, absolute-form and `*` targets',
    group: 'headers',
    expect: 'the same answer as a well-formed request (401 without a caller), no unhandled error',
  },
]

export const catalogue: CatalogueCase[] = [
  ...webhookCases,
  ...constructionCases,
  ...setRoleCases,
  ...serverCases,
]
