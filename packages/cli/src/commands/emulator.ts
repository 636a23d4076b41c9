import { type DeliveryAttempt, startClerkEmulator } from '@clerk-sync/testing/emulator'
import { EMULATOR_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, httpUrlFlag, integerFlag, numberFlag, parseCommandArgs } from '../parse.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'webhook-url': { type: 'string', multiple: true },
  'signing-secret': { type: 'string' },
  'secret-key': { type: 'string' },
  'time-scale': { type: 'string' },
  'duplicate-rate': { type: 'string' },
  'reorder-window': { type: 'string' },
  jitter: { type: 'string' },
  concurrency: { type: 'string' },
  'rate-limit': { type: 'string' },
} as const

function describeAttempt(a: DeliveryAttempt): string {
  const answer = a.status === null ? a.error : String(a.status)
  const flags = a.duplicate ? ' (duplicate)' : a.final && !a.ok ? ' (gave up)' : ''
  return `${a.ok ? '✓' : '✗'} ${a.eventType} ${a.messageId} attempt ${a.attempt}${flags} → ${a.url}: ${answer} in ${Math.round(a.latencyMs)} ms`
}

/** Resolves on SIGINT or SIGTERM: the emulator runs until the developer stops it. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
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
  const requestsPer10s = integerFlag('rate-limit', values['rate-limit'], 1, 1_000_000)
  const settings = {
    port: integerFlag('port', values.port, 0, 65535),
    host: values.host,
    webhookUrl: (values['webhook-url'] ?? []).map((url) => httpUrlFlag('webhook-url', url)),
    signingSecret: values['signing-secret'],
    secretKey: values['secret-key'],
    timeScale: numberFlag('time-scale', values['time-scale'], Number.MIN_VALUE, 1e6),
    duplicateRate: numberFlag('duplicate-rate', values['duplicate-rate'], 0, 1),
    reorderWindow: numberFlag('reorder-window', values['reorder-window'], 0, 3_600_000),
    jitter: numberFlag('jitter', values.jitter, 0, 3_600_000),
    concurrency: integerFlag('concurrency', values.concurrency, 1, 1000),
    rateLimit: requestsPer10s ? { requestsPer10s } : undefined,
    onDelivery: (attempt: DeliveryAttempt) =>
      io.out(io.json ? JSON.stringify({ kind: 'delivery', ...attempt }) : describeAttempt(attempt)),
  }
  let clerk: Awaited<ReturnType<typeof startClerkEmulator>>
  try {
    clerk = await startClerkEmulator(settings)
  } catch (error) {
    // Bad option values are the caller's mistake; a taken port is a failure to start.
    if (error instanceof TypeError) throw new UsageError(error.message, 'emulator')
    io.err(`clerk-sync emulator: could not start: ${(error as Error).message}`)
    return EXIT_FAILURE
  }
  const info = {
    apiUrl: clerk.apiUrl,
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    signingSecret: clerk.signingSecret,
    jwtKey: clerk.jwtKey,
    instanceId: clerk.instanceId,
    webhookUrls: clerk.webhookUrls,
  }
  if (io.json) {
    io.out(JSON.stringify({ kind: 'started', ...info }))
  } else {
    io.out(
      [
        `Clerk emulator running: Backend API 2026-05-12 at ${info.apiUrl}`,
        '',
        `  Secret key       ${info.secretKey}`,
        `  Publishable key  ${info.publishableKey}`,
        `  Signing secret   ${info.signingSecret}`,
        `  Webhooks to      ${info.webhookUrls.join(', ') || '(none: pass --webhook-url)'}`,
        '',
        'For your app (.env):',
        `  CLERK_API_URL=${info.apiUrl}`,
        `  CLERK_SECRET_KEY=${info.secretKey}`,
        `  CLERK_PUBLISHABLE_KEY=${info.publishableKey}`,
        `  CLERK_WEBHOOK_SIGNING_SECRET=${info.signingSecret}`,
        `  CLERK_JWT_KEY="${info.jwtKey.trim().replace(/\n/g, '\\n')}"`,
        '',
        'Ctrl-C to stop.',
      ].join('\n'),
    )
  }
  const signal = await untilStopped()
  await clerk.close()
  if (io.json) io.out(JSON.stringify({ kind: 'stopped', signal }))
  else io.err(`Stopped (${signal}).`)
  return EXIT_OK
}
