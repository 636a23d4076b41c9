/** An error's message for a log line or a failed job's output. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
