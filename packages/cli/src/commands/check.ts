import { randomBytes } from 'node:crypto'
import { randomId, signWebhook } from '@clerk-sync/testing'
import { diagnoseAnswer } from '../diagnose-answer.js'
import { CHECK_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, httpUrlFlag, integerFlag, parseCommandArgs } from '../parse.js'
import { postWebhook } from '../post-webhook.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  url: { type: 'string' },
  secret: { type: 'string' },
  timeout: { type: 'string' },
} as const

/**
 * Sends a webhook whose signature cannot be valid. clerk-sync refuses it before reading anything
 * else (400 SIGNATURE_INVALID) and writes nothing, so this is safe against production; any other
 * answer means something stands between Svix and clerk-sync. With `--secret`, a second probe is
 * signed: an event type Clerk never sends (`clerk-sync.check`), on which clerk-sync writes nothing
 * and asks its store whether its tables exist, so a missing migration shows before Clerk's
 * deliveries start failing.
 */
export async function checkCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(CHECK_HELP)
    return EXIT_OK
  }
  if (positionals[0]) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'check')
  if (!values.url) throw new UsageError('--url is required', 'check')
  const url = httpUrlFlag('url', values.url)
  const timeoutMs = integerFlag('timeout', values.timeout, 1, 600_000) ?? 15_000
  const secret = values.secret
  if (secret !== undefined && !/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) {
    throw new UsageError('--secret must be whsec_ followed by base64', 'check')
  }

  const body = JSON.stringify({ type: 'clerk-sync.check', object: 'event', data: {} })
  const headers = {
    'svix-id': randomId('msg'),
    'svix-timestamp': String(Math.floor(Date.now() / 1000)),
    // Well-formed, and wrong: 32 random bytes, not an HMAC of this body.
    'svix-signature': `v1,${randomBytes(32).toString('base64')}`,
  }
  const answer = await postWebhook(url, body, headers, timeoutMs)
  const result: Record<string, unknown> = { url, ...answer.summary }
  if (answer.response) {
    Object.assign(result, diagnoseAnswer(answer.response, { probe: true }))
  } else {
    Object.assign(result, {
      verdict: 'unreachable',
      explanation: `No answer from ${url}: ${String(answer.summary.error)}. Is the app running, and is this the URL Clerk calls?`,
    })
  }
  if (secret && result.verdict === 'ok') {
    // Signed now: the same body, which clerk-sync recognises as the readiness probe.
    const signed = await postWebhook(url, body, signWebhook({ secret, body }), timeoutMs)
    const store = signed.response
      ? diagnoseAnswer(signed.response, { probe: false })
      : {
          verdict: 'unreachable' as const,
          explanation: `No answer to the signed probe: ${String(signed.summary.error)}`,
        }
    Object.assign(result, {
      verdict: store.verdict,
      explanation: `${String(result.explanation)} Signed probe → HTTP ${signed.response?.status ?? '-'}: ${store.explanation}`,
    })
  }
  const ok = result.verdict === 'ok'
  if (io.json) io.out(JSON.stringify({ ...result, ok }))
  else {
    io.out(
      `${ok ? 'OK' : 'PROBLEM'} ${url}${answer.response ? ` → HTTP ${answer.response.status}` : ''}`,
    )
    io.out(String(result.explanation))
  }
  return ok ? EXIT_OK : EXIT_FAILURE
}
