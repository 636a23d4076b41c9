import {
  type ClerkEmulator,
  type DeliveryAttempt,
  EmulatorStateError,
  startClerkEmulator,
} from '@clerk-sync/testing/emulator'
import { EMULATOR_HELP } from '../help.js'
import type { Io } from '../io.js'
import { untilStopped, watchStdin } from '../lifetime/until-stopped.js'
import { COMMON_OPTIONS, httpUrlFlag, integerFlag, numberFlag, parseCommandArgs } from '../parse.js'
import { shellQuote } from '../shell-quote.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'webhook-url': { type: 'string', multiple: true },
  'signing-secret': { type: 'string' },
  'secret-key': { type: 'string' },
  state: { type: 'string' },
  'time-scale': { type: 'string' },
  'duplicate-rate': { type: 'string' },
  'reorder-window': { type: 'string' },
  jitter: { type: 'string' },
  concurrency: { type: 'string' },
  'rate-limit': { type: 'string' },
  detached: { type: 'boolean' },
} as const

/** After close(), anything left open (a socket, a timer) must not keep the process alive. */
const EXIT_GRACE_MS = 1000

function describeAttempt(a: DeliveryAttempt): string {
  const answer = a.status === null ? a.error : String(a.status)
  const flags = a.duplicate ? ' (duplicate)' : a.final && !a.ok ? ' (gave up)' : ''
  return `${a.ok ? '✓' : '✗'} ${a.eventType} ${a.messageId} attempt ${a.attempt}${flags} → ${a.url}: ${answer} in ${Math.round(a.latencyMs)} ms`
}

/**
 * A 400 is what clerk-sync answers to a signature it cannot verify; the commonest cause in a dev
 * loop is an app still holding the secret of an earlier emulator run (a fresh one each start).
 */
function secretHint(url: string, signingSecret: string, newStateFile?: string): string {
  return [
    `Hint: ${url} refused the webhook with 400. If the app's CLERK_WEBHOOK_SIGNING_SECRET is from`,
    newStateFile === undefined
      ? 'an earlier emulator run, it no longer matches: each run without --state signs with a new one.'
      : `an earlier emulator run, it no longer matches: this run created ${newStateFile} with a new one.`,
    'This run signs with:',
    `  CLERK_WEBHOOK_SIGNING_SECRET=${signingSecret}`,
    newStateFile === undefined
      ? "Copy it into the app's .env and restart the app. To keep the secret (and the keys and users)\n" +
        'across restarts, start the emulator with --state FILE, e.g. --state .clerk-emulator.json.'
      : "Copy it into the app's .env and restart the app; the state file keeps it from now on.",
  ].join('\n')
}

function startedText(
  clerk: ClerkEmulator,
  portNote: string | undefined,
  detached: boolean,
): string {
  const state = clerk.state
  // Without a state file the command reads CLERK_API_URL and CLERK_SECRET_KEY from the
  // environment: a secret key on the command line would show in ps.
  const tokenCommand = state
    ? `npx clerk-sync token <user_id> --state ${shellQuote(state.path)}`
    : 'npx clerk-sync token <user_id>   # with CLERK_API_URL and CLERK_SECRET_KEY set as above'
  const stateLine = state
    ? `  State file       ${state.path} (${state.restored ? `restored: ${clerk.users().length} users` : 'new'})`
    : '  State file       (none: keys, signing secret and users are new each run; see --state)'
  return [
    `Clerk emulator running: Backend API 2026-05-12 at ${clerk.apiUrl}`,
    '',
    `  Secret key       ${clerk.secretKey}`,
    `  Publishable key  ${clerk.publishableKey}`,
    `  Signing secret   ${clerk.signingSecret}`,
    `  Webhooks to      ${clerk.webhookUrls.join(', ') || '(none: pass --webhook-url)'}`,
    stateLine,
    ...(portNote ? ['', portNote] : []),
    '',
    'For your app (.env):',
    `  CLERK_API_URL=${clerk.apiUrl}`,
    `  CLERK_SECRET_KEY=${clerk.secretKey}`,
    `  CLERK_PUBLISHABLE_KEY=${clerk.publishableKey}`,
    `  CLERK_WEBHOOK_SIGNING_SECRET=${clerk.signingSecret}`,
    `  CLERK_JWT_KEY="${clerk.jwtKey.trim().replace(/\n/g, '\\n')}"`,
    '  # Browser sign-in through the emulator (Next.js: NEXT_PUBLIC_CLERK_PROXY_URL and',
    '  # NEXT_PUBLIC_CLERK_SIGN_IN_URL, also NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY)',
    `  CLERK_PROXY_URL=${clerk.frontendApiUrl}`,
    `  CLERK_SIGN_IN_URL=${clerk.signInUrl}`,
    '',
    'A session token for a user (Authorization: Bearer …):',
    `  ${tokenCommand}`,
    '',
    detached
      ? `Detached: stops on SIGINT or SIGTERM only (kill ${process.pid}).`
      : 'Ctrl-C to stop.',
  ].join('\n')
}

export async function emulatorCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('emulator', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(EMULATOR_HELP)
    return EXIT_OK
  }
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"`, 'emulator')
  if (values.state === '') throw new UsageError('--state needs a file path', 'emulator')
  const requestsPer10s = integerFlag('rate-limit', values['rate-limit'], 1, 1_000_000)
  const detached = values.detached === true
  const hinted = new Set<string>()
  let clerk: ClerkEmulator | undefined
  const onDelivery = (attempt: DeliveryAttempt) => {
    io.out(io.json ? JSON.stringify({ kind: 'delivery', ...attempt }) : describeAttempt(attempt))
    if (attempt.status !== 400 || hinted.has(attempt.url) || !clerk) return
    // The hint is about a secret new this run: not when it is given, or read from a state file.
    if (values['signing-secret'] !== undefined || clerk.state?.restored) return
    hinted.add(attempt.url)
    const message = secretHint(attempt.url, clerk.signingSecret, clerk.state?.path)
    if (io.json) {
      io.out(
        JSON.stringify({
          kind: 'hint',
          url: attempt.url,
          signingSecret: clerk.signingSecret,
          message,
        }),
      )
    } else io.err(message)
  }
  const settings = {
    port: integerFlag('port', values.port, 0, 65535),
    host: values.host,
    webhookUrl: (values['webhook-url'] ?? []).map((url) => httpUrlFlag('webhook-url', url)),
    signingSecret: values['signing-secret'],
    secretKey: values['secret-key'],
    statePath: values.state,
    timeScale: numberFlag('time-scale', values['time-scale'], Number.MIN_VALUE, 1e6),
    duplicateRate: numberFlag('duplicate-rate', values['duplicate-rate'], 0, 1),
    reorderWindow: numberFlag('reorder-window', values['reorder-window'], 0, 3_600_000),
    jitter: numberFlag('jitter', values.jitter, 0, 3_600_000),
    concurrency: integerFlag('concurrency', values.concurrency, 1, 1000),
    rateLimit: requestsPer10s ? { requestsPer10s } : undefined,
    onDelivery,
  }
  // Before the slow part of starting: a stdin pipe that has ended by the time it is done never
  // carried the parent's life.
  const stdin = watchStdin({ detached })
  try {
    clerk = await startClerkEmulator(settings)
  } catch (error) {
    stdin.release()
    // Bad option values and a damaged state file are the caller's to fix; a taken port is a
    // failure to start.
    if (error instanceof TypeError || error instanceof EmulatorStateError) {
      throw new UsageError(error.message, 'emulator')
    }
    io.err(`clerk-sync emulator: could not start: ${(error as Error).message}`)
    return EXIT_FAILURE
  }
  // Settled before the started line: a parent that ends stdin after seeing it is heard.
  const stdinLifeline = await stdin.lifeline()
  const port = Number(new URL(clerk.apiUrl).port)
  const previousPort = clerk.state?.previousPort
  const portNote =
    previousPort && previousPort !== port
      ? `Note: port ${previousPort}, where the last run listened, is taken: listening on ${port}. ` +
        'The API URL and the publishable key changed with it; pass --port to choose.'
      : undefined
  if (io.json) {
    io.out(
      JSON.stringify({
        kind: 'started',
        apiUrl: clerk.apiUrl,
        secretKey: clerk.secretKey,
        publishableKey: clerk.publishableKey,
        signingSecret: clerk.signingSecret,
        jwtKey: clerk.jwtKey,
        instanceId: clerk.instanceId,
        frontendApiUrl: clerk.frontendApiUrl,
        signInUrl: clerk.signInUrl,
        webhookUrls: clerk.webhookUrls,
        statePath: clerk.state?.path ?? null,
        stateRestored: clerk.state?.restored ?? false,
        users: clerk.users().length,
        detached,
        pid: process.pid,
      }),
    )
    if (portNote) io.err(portNote)
  } else {
    io.out(startedText(clerk, portNote, detached))
  }
  const stopped = await untilStopped({ detached, stdinLifeline })
  await clerk.close()
  // Each output may be gone (stdout closed is a reason to stop): nothing more to say then.
  if (io.json) io.out(JSON.stringify({ kind: 'stopped', ...stopped }))
  else io.err(`Stopped (${stopped.reason}).`)
  setTimeout(() => process.exit(process.exitCode ?? EXIT_OK), EXIT_GRACE_MS).unref()
  return EXIT_OK
}
