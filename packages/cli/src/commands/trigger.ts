import { randomId, signWebhook } from '@clerk-sync/testing'
import { buildEvent, TRIGGER_TYPES, type TriggerType } from '../build-event.js'
import { diagnoseAnswer } from '../diagnose-answer.js'
import { TRIGGER_HELP } from '../help.js'
import type { Io } from '../io.js'
import { COMMON_OPTIONS, httpUrlFlag, integerFlag, parseCommandArgs } from '../parse.js'
import { postWebhook } from '../post-webhook.js'
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage-error.js'

const options = {
  url: { type: 'string' },
  secret: { type: 'string' },
  data: { type: 'string' },
  'user-id': { type: 'string' },
  timeout: { type: 'string' },
} as const

export async function triggerCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('trigger', {
    args,
    options: { ...options, ...COMMON_OPTIONS },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) {
    io.out(TRIGGER_HELP)
    return EXIT_OK
  }
  const [type, extra] = positionals
  if (!type) throw new UsageError(`name the event: ${TRIGGER_TYPES.join(', ')}`, 'trigger')
  if (!(TRIGGER_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(
      `unknown event "${type}"; use one of ${TRIGGER_TYPES.join(', ')}`,
      'trigger',
    )
  }
  if (extra) throw new UsageError(`unexpected argument "${extra}"`, 'trigger')
  if (!values.url) throw new UsageError('--url is required', 'trigger')
  const url = httpUrlFlag('url', values.url)
  const secret = values.secret ?? process.env.CLERK_WEBHOOK_SIGNING_SECRET
  if (!secret)
    throw new UsageError('--secret is required (or set CLERK_WEBHOOK_SIGNING_SECRET)', 'trigger')
  if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) {
    throw new UsageError('--secret must be whsec_ followed by base64', 'trigger')
  }
  const timeoutMs = integerFlag('timeout', values.timeout, 1, 600_000) ?? 15_000
  const event = buildEvent(type as TriggerType, {
    dataFile: values.data,
    userId: values['user-id'],
  })

  const body = JSON.stringify(event)
  const messageId = randomId('msg')
  const result: Record<string, unknown> = { type, url, messageId, userId: event.data.id }
  const answer = await postWebhook(
    url,
    body,
    {
      'user-agent': 'Svix-Webhooks/1.0 (clerk-sync trigger)',
      ...signWebhook({ secret, body, id: messageId }),
    },
    timeoutMs,
  )
  Object.assign(result, answer.summary)
  // A refusal that is not clerk-sync's own (Clerk's middleware, a wrong path) gets explained.
  if (answer.response && !answer.summary.ok) {
    result.diagnosis = diagnoseAnswer(answer.response, { probe: false }).explanation
  }

  if (io.json) {
    io.out(JSON.stringify(result))
  } else {
    io.out(`${type} ${messageId} (user ${String(result.userId)}) → ${url}`)
    if (result.status === null)
      io.out(`No answer: ${String(result.error)} after ${result.latencyMs} ms`)
    else {
      io.out(`HTTP ${result.status} ${String(result.statusText)} in ${result.latencyMs} ms`)
      const shown =
        typeof result.responseBody === 'string'
          ? result.responseBody
          : JSON.stringify(result.responseBody)
      if (shown) io.out(shown)
      if (result.diagnosis) io.out(String(result.diagnosis))
    }
  }
  return result.ok ? EXIT_OK : EXIT_FAILURE
}
