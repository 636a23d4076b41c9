import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clerkEvent } from '../fixtures/clerk-events.js'
import {
  type ClerkUserFixture,
  type ClerkUserFixtureOptions,
  clerkUser,
} from '../fixtures/clerk-user.js'
import { generateSigningSecret, randomId } from '../sign-webhook.js'
import { type ApiRequestRecord, createApiServer } from './api-server.js'
import {
  EmulatorStateError,
  type EmulatorStateFile,
  readEmulatorState,
  restoreUsers,
  STATE_FILE_KIND,
  STATE_FILE_VERSION,
  stateSigningKey,
} from './emulator-state.js'
import { frontendApiRoutes } from './frontend-api/index.js'
import { createInstanceKeys, publishableKeyFor, restoreInstanceKeys } from './instance-keys.js'
import { type ClerkEmulatorOptions, checkWebhookUrl, resolveOptions } from './options.js'
import type { PasswordDigest } from './password-digest.js'
import { seededRandom } from './random.js'
import { RateLimiter } from './rate-limiter.js'
import {
  type SessionTokenContext,
  type SessionTokenOptions,
  signSessionToken,
} from './session-token.js'
import { sessionTokensRoute } from './session-tokens-route.js'
import { lockStateFile } from './state-file-lock.js'
import { StateFileWriter } from './state-file-writer.js'
import { Throttle } from './throttle.js'
import { UserDirectory } from './user-directory.js'
import type { RouteContext, UserEventType } from './users-routes.js'
import { type DeliveryAttempt, WebhookDispatcher } from './webhook-dispatcher.js'

/** A user to seed: a fixture, plus the `external_id` an import from another system would set. */
export type SeedUserOptions = ClerkUserFixtureOptions & { externalId?: string | null }

/** An event the emulator emitted, whatever became of its deliveries. */
export interface EmittedEvent {
  /** The `svix-id` its deliveries carry. */
  messageId: string
  type: UserEventType
  /** The envelope, exactly as sent. */
  payload: ReturnType<typeof clerkEvent<UserEventType, object>>
}

export interface ClerkEmulator {
  /** Give to `createClerkClient({ apiUrl, secretKey })`; the client adds `/v1`. */
  readonly apiUrl: string
  readonly secretKey: string
  /** `pk_test_…`, required by `authenticateRequest`. */
  readonly publishableKey: string
  /** PEM public key for networkless verification (`jwtKey` / `CLERK_JWT_KEY`). */
  readonly jwtKey: string
  /** The `whsec_…` secret deliveries are signed with (unless an endpoint has its own). */
  readonly signingSecret: string
  readonly instanceId: string
  /**
   * The Frontend API host the publishable key encodes: `<host>:PORT` (`127.0.0.1:PORT` by
   * default), `emulator.localhost:PORT` for a host without a dot (`localhost`, `::1`).
   */
  readonly frontendApi: string
  /**
   * `http://` + `frontendApi` (also the `iss` of session tokens). Give it to apps as
   * `proxyUrl` (`CLERK_PROXY_URL`): for a bare host from the publishable key, `clerkMiddleware`
   * sends the handshake to https://, which the emulator does not speak.
   */
  readonly frontendApiUrl: string
  /** The emulator's pick-a-user sign-in page (`?redirect_url=` back to the app). */
  readonly signInUrl: string
  /** The seed the chaos runs on; pass it back as `seed` to replay a run. */
  readonly seed: number
  /**
   * With `statePath`: the file, whether the keys and users were read from it (false: it was
   * created), and the port its last run listened on.
   */
  readonly state: { path: string; restored: boolean; previousPort: number | undefined } | undefined
  /** Clerk's truth: every user, oldest first, as `GET /v1/users/{id}` returns it. Copies. */
  users(): ClerkUserFixture[]
  user(id: string): ClerkUserFixture | undefined
  /**
   * Adds users as if they had been in Clerk all along: no webhooks (for backfill tests). All or
   * none: an id or identifier (email, phone, username, external id) already taken throws. Users
   * sharing one `createdAt` list in the order they were seeded. Safe while a client pages.
   */
  seedUsers(users: SeedUserOptions[]): ClerkUserFixture[]
  /**
   * Removes users as if the `user.deleted` webhook had been missed (for reconcile tests); delete
   * through the API (`DELETE /v1/users/{id}`) to emit it. Returns how many existed.
   */
  deleteUsers(ids: string[]): number
  /**
   * The digest given as `password_digest` with its `password_hasher` when the user was created
   * or updated; `null` for none, or once a plaintext password replaced it. Never in the User JSON.
   */
  passwordDigest(userId: string): PasswordDigest | null
  /**
   * The next `count` Backend API requests (JWKS aside) answer 429 `too_many_requests` with
   * `Retry-After: retryAfterSeconds`, before the rate limit is consulted. Replaces what was armed
   * before; `throttleNext(0)` disarms.
   */
  throttleNext(count: number, retryAfterSeconds?: number): void
  /** Every event emitted, in order. */
  events(): EmittedEvent[]
  /** Every webhook attempt so far, in the order they finished. */
  deliveries(): DeliveryAttempt[]
  /** The most recent 1,000 Backend API calls, oldest first. */
  requests(): ApiRequestRecord[]
  /** Resolves when every message has succeeded or used up its attempts; rejects after `timeoutMs`. */
  flush(options?: { timeoutMs?: number }): Promise<void>
  /** An RS256 session token for an existing user; `options.state` makes invalid ones. */
  sessionToken(
    userId: string,
    claims?: Record<string, unknown>,
    options?: SessionTokenOptions,
  ): string
  /** Registers an endpoint for messages emitted from now on (Svix fans out at send time). */
  addWebhookEndpoint(url: string, options?: { signingSecret?: string }): void
  readonly webhookUrls: string[]
  /** Stops the server and drops pending deliveries. */
  close(): Promise<void>
}

const REQUEST_LOG_SIZE = 1000

const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::', '[::]', '::0', '0:0:0:0:0:0:0:0'])

function frontendApiFor(host: string, port: number): string {
  // parsePublishableKey wants a `.` in the host; `localhost` or `::1` have none.
  return host.includes('.') && !host.includes(':')
    ? `${host}:${port}`
    : `emulator.localhost:${port}`
}

function clientIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** The port asked for; else the last run's (when free), so its URLs and keys stay valid. */
async function listenOnPort(server: Server, host: string, asked?: number, previous?: number) {
  if (asked !== undefined || !previous) return listen(server, asked ?? 0, host)
  try {
    await listen(server, previous, host)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    await listen(server, 0, host)
  }
}

/**
 * A local Clerk: the Users endpoints of the Backend API (2026-05-12) that `@clerk/backend`'s
 * client talks to unchanged, webhooks delivered as Svix does (faults included), and session
 * tokens that `authenticateRequest` accepts offline.
 *
 * @example
 * const clerk = await startClerkEmulator({ webhookUrl, timeScale: 1e-5 })
 * const client = createClerkClient({ apiUrl: clerk.apiUrl, secretKey: clerk.secretKey })
 * await client.users.createUser({ emailAddress: ['ada@example.com'] })
 * await clerk.flush()
 */
export async function startClerkEmulator(
  options: ClerkEmulatorOptions = {},
): Promise<ClerkEmulator> {
  const resolved = resolveOptions(options)
  const statePath = resolved.statePath
  const lock = statePath ? lockStateFile(statePath) : undefined
  try {
    return await startWith(options, resolved, lock)
  } catch (error) {
    lock?.release()
    throw error
  }
}

async function startWith(
  options: ClerkEmulatorOptions,
  resolved: ReturnType<typeof resolveOptions>,
  lock: { release(): void } | undefined,
): Promise<ClerkEmulator> {
  const statePath = resolved.statePath
  // Read before anything listens: a damaged file stops the start with nothing to clean up.
  const saved = statePath ? readEmulatorState(statePath) : undefined
  const signingSecret = resolved.signingSecret ?? saved?.signingSecret ?? generateSigningSecret()
  let stateWriter: StateFileWriter | undefined
  const directory = new UserDirectory({ onChange: () => stateWriter?.changed() })
  if (saved && statePath) restoreUsers(directory, saved, statePath)
  const events: EmittedEvent[] = []
  const requests: ApiRequestRecord[] = []
  const dispatcher = new WebhookDispatcher({
    retryScheduleMs: resolved.retryScheduleMs,
    timeScale: resolved.timeScale,
    timeoutMs: resolved.timeoutMs,
    duplicateRate: resolved.duplicateRate,
    reorderWindow: resolved.reorderWindow,
    jitter: resolved.jitter,
    concurrency: resolved.concurrency,
    random: seededRandom(resolved.seed),
    onAttempt: resolved.onDelivery,
  })
  for (const url of resolved.webhookUrls) dispatcher.addEndpoint({ url, signingSecret })
  const rateLimiter = resolved.rateLimit ? new RateLimiter(resolved.rateLimit) : undefined
  const throttle = new Throttle()
  const keys =
    saved && statePath
      ? restoreInstanceKeys({
          instanceId: saved.instanceId,
          secretKey: resolved.secretKey ?? saved.secretKey,
          privateKey: stateSigningKey(saved, statePath),
        })
      : createInstanceKeys({ secretKey: resolved.secretKey })

  const context = (req: IncomingMessage): RouteContext => ({
    directory,
    emit(type, data, timestamp) {
      const payload = clerkEvent(type, data, { timestamp, instanceId: keys.instanceId })
      // Clerk records the HTTP request behind the change: here, the Backend API call.
      payload.event_attributes.http_request = {
        client_ip: clientIp(req),
        user_agent: String(req.headers['user-agent'] ?? ''),
      }
      const messageId = randomId('msg')
      events.push({ messageId, type, payload: structuredClone(payload) })
      dispatcher.enqueue({ id: messageId, type, body: JSON.stringify(payload) })
    },
    jwks: () => ({
      keys: [
        {
          ...keys.publicKey.export({ format: 'jwk' }),
          kid: keys.instanceId,
          alg: 'RS256',
          use: 'sig',
        },
      ],
    }),
  })

  // The Frontend API's host includes the port, known once listening: bound below.
  let frontend: ReturnType<typeof frontendApiRoutes> = () => false
  let tokenContext: SessionTokenContext | undefined
  const developmentRoutes = sessionTokensRoute({
    secretKey: keys.secretKey,
    mint: (userId, claims, expiresInSeconds) =>
      tokenContext && directory.stored(userId)
        ? signSessionToken(tokenContext, userId, claims, { expiresInSeconds })
        : undefined,
  })
  const server = createApiServer({
    secretKey: keys.secretKey,
    sideRoutes: [developmentRoutes, (req, res) => frontend(req, res)],
    rateLimiter,
    throttle,
    context,
    record(entry) {
      requests.push(entry)
      if (requests.length > REQUEST_LOG_SIZE) requests.shift()
    },
  })
  await listenOnPort(server, resolved.host, options.port, saved?.port)
  const { port } = server.address() as AddressInfo
  // Listening on every interface (0.0.0.0, ::): the URLs name loopback, which is one of them and
  // which a browser or client can connect to (0.0.0.0 is not an address to connect to).
  const connectHost = UNSPECIFIED_HOSTS.has(resolved.host) ? '127.0.0.1' : resolved.host
  const frontendApi = frontendApiFor(connectHost, port)
  // The publishable key encodes the Frontend API host, which includes the port just chosen.
  const publishableKey = publishableKeyFor(frontendApi)
  const urlHost = connectHost.includes(':') ? `[${connectHost}]` : connectHost
  const apiUrl = `http://${urlHost}:${port}`
  const issuer = `http://${frontendApi}`
  const signingContext = { instanceId: keys.instanceId, issuer, privateKey: keys.privateKey }
  tokenContext = signingContext
  const mintToken = (userId: string, claims?: Record<string, unknown>) =>
    signSessionToken(signingContext, userId, claims)
  if (statePath) {
    const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const snapshot = (): EmulatorStateFile => ({
      kind: STATE_FILE_KIND,
      version: STATE_FILE_VERSION,
      instanceId: keys.instanceId,
      secretKey: keys.secretKey,
      privateKey: privateKeyPem,
      signingSecret,
      port,
      frontendApi,
      users: directory.users(),
      passwordDigests: directory.passwordDigests(),
    })
    stateWriter = new StateFileWriter(statePath, snapshot, (error) =>
      console.error(
        `[clerk-emulator] could not save ${statePath} (${error.message}); trying again at the next change`,
      ),
    )
    try {
      // At once: a path that cannot be written fails the start, not the first change.
      stateWriter.writeNow()
    } catch (error) {
      server.close()
      throw new EmulatorStateError(
        `cannot write the emulator state file ${statePath}: ${(error as Error).message}`,
        statePath,
        { cause: error },
      )
    }
  }
  frontend = frontendApiRoutes({
    directory,
    instanceId: keys.instanceId,
    frontendApi,
    issuer,
    publishableKey,
    privateKey: keys.privateKey,
    sessionToken: mintToken,
  })

  return {
    apiUrl,
    secretKey: keys.secretKey,
    publishableKey,
    jwtKey: keys.jwtKey,
    signingSecret,
    instanceId: keys.instanceId,
    frontendApi,
    frontendApiUrl: issuer,
    signInUrl: `${issuer}/sign-in`,
    seed: resolved.seed,
    state: statePath
      ? { path: statePath, restored: saved !== undefined, previousPort: saved?.port }
      : undefined,
    users: () => directory.users(),
    user: (id) => directory.get(id),
    seedUsers(list) {
      const users = list.map(({ externalId, ...fixture }) => {
        const user = clerkUser(fixture)
        if (externalId) user.external_id = externalId
        return user
      })
      // The same uniqueness the API enforces, so seeded users cannot clash with created ones.
      const copies = users.map((user) => structuredClone(user))
      directory.seed(users)
      return copies
    },
    deleteUsers(ids) {
      let deleted = 0
      for (const id of ids) {
        if (directory.stored(id)) deleted++
        directory.delete(id)
      }
      return deleted
    },
    passwordDigest: (userId) => directory.passwordDigest(userId),
    throttleNext(count, retryAfterSeconds = 1) {
      throttle.arm(count, retryAfterSeconds)
    },
    events: () => structuredClone(events),
    deliveries: () => dispatcher.deliveries(),
    requests: () => requests.map((entry) => ({ ...entry })),
    flush: (flushOptions = {}) => dispatcher.flush(flushOptions.timeoutMs),
    sessionToken(userId, claims, tokenOptions) {
      if (!directory.get(userId)) throw new Error(`sessionToken: no user ${userId} in the emulator`)
      return signSessionToken(signingContext, userId, claims, tokenOptions)
    },
    addWebhookEndpoint(url, endpointOptions = {}) {
      checkWebhookUrl(url)
      dispatcher.addEndpoint({ url, signingSecret: endpointOptions.signingSecret ?? signingSecret })
    },
    get webhookUrls() {
      return dispatcher.endpoints.map((endpoint) => endpoint.url)
    },
    async close() {
      dispatcher.close()
      stateWriter?.close()
      lock?.release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
