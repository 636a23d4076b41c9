/** How long after close() the process may take to exit on its own before it is ended. */
export const EXIT_GRACE_MS = 1500

/**
 * After a command that opened the app's pools has closed them, the process should exit by itself.
 * If something stays open (a pool close() forgot, a timer), it would hang: say what is still open
 * and end it, so a scheduled job never piles up. The timer is unref'd: it keeps nothing alive.
 */
export function exitAfterClose(configPath: string): void {
  const timer = setTimeout(() => {
    const open = process
      .getActiveResourcesInfo()
      .filter((kind) => kind !== 'TTYWrap' && kind !== 'Timeout')
    const counts = new Map<string, number>()
    for (const kind of open) counts.set(kind, (counts.get(kind) ?? 0) + 1)
    const list = [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ')
    process.stderr.write(
      `clerk-sync: still running ${EXIT_GRACE_MS} ms after close() of ${configPath}` +
        `${list ? ` (open: ${list})` : ''}; exiting. Make close() end every pool and client the factory opened.\n`,
    )
    process.exit(process.exitCode ?? 0)
  }, EXIT_GRACE_MS)
  timer.unref()
}
