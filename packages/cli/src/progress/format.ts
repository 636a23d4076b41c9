/** 12,345: counts in output are read by people first. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** 0.4s, 9.5s, 42s, 3m 05s, 1h 02m. */
export function formatDuration(ms: number): string {
  if (ms < 9950) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`
}

export interface Throughput {
  /** Done so far, earlier interrupted runs included. */
  done: number
  /** The whole job when known (one count at the start), else null: no ETA then. */
  total: number | null
  /** Done by this run, over `elapsedMs`: the rate. */
  doneThisRun: number
  elapsedMs: number
}

export function perSecond({ doneThisRun, elapsedMs }: Throughput): number {
  return elapsedMs > 0 ? (doneThisRun * 1000) / elapsedMs : 0
}

/** Milliseconds left at the current rate, or null when the total or the rate is not known. */
export function etaMs(throughput: Throughput): number | null {
  const rate = perSecond(throughput)
  if (throughput.total === null || rate <= 0) return null
  return (Math.max(0, throughput.total - throughput.done) / rate) * 1000
}

/** "12,000 / 50,000 users · 1,234 users/s · ETA 31s" (no total: no "/ …" and no ETA). */
export function describeThroughput(throughput: Throughput, noun = 'users'): string {
  const { done, total } = throughput
  const parts = [
    total === null
      ? `${formatCount(done)} ${noun}`
      : `${formatCount(done)} / ${formatCount(Math.max(total, done))} ${noun}`,
    `${formatCount(perSecond(throughput))} ${noun}/s`,
  ]
  const eta = etaMs(throughput)
  if (eta !== null) parts.push(`ETA ${formatDuration(eta)}`)
  return parts.join(' · ')
}
