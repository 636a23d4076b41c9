import {
  type ClerkSyncOptions,
  createClerkSync,
  type DefaultRole,
  type LogFields,
  type Logger,
  MemoryStore,
  type MemoryStoreOptions,
  type ProcessWebhookInput,
  type WebhookResult,
} from '@clerk-sync/core'
import { generateSigningSecret, signWebhook, webhookBodyText } from '@clerk-sync/testing'

export interface LogLine {
  level: keyof Logger
  message: string
  fields: LogFields | undefined
}

export function captureLogger(): { logger: Logger; lines: LogLine[]; text(): string } {
  const lines: LogLine[] = []
  const at = (level: keyof Logger) => (message: string, fields?: LogFields) => {
    lines.push({ level, message, fields })
  }
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
    text: () =>
      lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n'),
  }
}

/** A sync over a fresh MemoryStore with a fresh secret and a capturing logger. */
export function setupSync(
  options: Partial<ClerkSyncOptions<DefaultRole>> & { memory?: MemoryStoreOptions } = {},
) {
  const secret = generateSigningSecret()
  const store = new MemoryStore<DefaultRole>(options.memory)
  const log = captureLogger()
  const sync = createClerkSync<DefaultRole>({
    signingSecret: secret,
    store,
    logger: log.logger,
    ...options,
  })
  return { secret, store, log, sync }
}

export interface DeliverOptions {
  secret: string
  id?: string
  timestamp?: number
  headers?: Record<string, string | string[] | undefined>
}

/** Signs `payload` like Svix and hands it to `processWebhook`, as a Node adapter would. */
export function deliver<R extends string>(
  sync: { processWebhook(input: ProcessWebhookInput): Promise<WebhookResult<R>> },
  payload: object | string,
  options: DeliverOptions,
): Promise<WebhookResult<R>> {
  const body = webhookBodyText(payload)
  const signed = signWebhook({
    secret: options.secret,
    body,
    id: options.id,
    timestamp: options.timestamp,
  })
  return sync.processWebhook({
    body,
    headers: { ...signed, 'content-type': 'application/json', ...options.headers },
  })
}

/**
 * Collects unhandled rejections and uncaught exceptions while a test runs: code that must never
 * take the process down (a worker's background sampling) is proven by this staying empty.
 */
export function watchProcessFailures(): { failures: unknown[]; stop(): void } {
  const failures: unknown[] = []
  const record = (error: unknown) => {
    failures.push(error)
  }
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
  return {
    failures,
    stop() {
      process.off('unhandledRejection', record)
      process.off('uncaughtException', record)
    },
  }
}
