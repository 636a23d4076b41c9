/** Where a command writes: stdout for results, stderr for diagnostics; JSON when asked. */
export interface Io {
  json: boolean
  out(text: string): void
  err(text: string): void
}

export function processIo(json: boolean): Io {
  return {
    json,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  }
}
