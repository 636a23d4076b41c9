import type { LogFields, Logger } from '@clerk-sync/core'

/** A logger that keeps `"<level> <message>"` lines, for tests that check what was told. */
export function captureLogger(): { lines: string[]; logger: Logger } {
  const lines: string[] = []
  const at =
    (level: string) =>
    (message: string, _fields?: LogFields): void => {
      lines.push(`${level} ${message}`)
    }
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  }
}
