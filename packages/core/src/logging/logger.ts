/** Fields attached to a log line. Never secrets, never whole payloads. */
export type LogFields = Record<string, string | number | boolean | null | undefined>

/**
 * Any object with these four methods: `console`, pino, winston… Messages are complete sentences
 * on their own (loggers such as pino drop a second argument that has no format placeholder).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

const levels = ['debug', 'info', 'warn', 'error'] as const
type Level = (typeof levels)[number]

const WHITESPACE = /\s/

function formatFields(fields: LogFields | undefined): string {
  let text = ''
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue
    const value = fields[key]
    if (value === undefined) continue
    text += ` ${key}=${typeof value === 'string' && WHITESPACE.test(value) ? JSON.stringify(value) : String(value)}`
  }
  return text
}

function ignore(): void {}

/**
 * The default: one `[clerk-sync]` line per call on the console, `info` and above; `debug` is dropped
 * so an app's logs stay quiet unless something happened.
 */
export function consoleLogger(minLevel: Level = 'info'): Logger {
  const min = levels.indexOf(minLevel)
  // A level below the minimum is a no-op from the start: nothing formatted, nothing compared.
  const write = (level: Level) =>
    levels.indexOf(level) < min
      ? ignore
      : (message: string, fields?: LogFields) => {
          console[level](`[clerk-sync] ${message}${formatFields(fields)}`)
        }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}

/** A logger that writes nothing, for tests and for apps that log through `onEvent` instead. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}
